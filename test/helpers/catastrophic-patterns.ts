/**
 * Patterns that make a backtracking engine take exponential (or huge polynomial) time: the
 * corpus both the matcher's timing test and the attack on the running Worker use.
 */
export const CATASTROPHIC_PATTERNS = [
  "(.|.)*",
  "((.+))+",
  "(.*a){12}",
  "(a+)+$",
  "(a|aa)+",
  "(a|a?)+",
  "(\\w+\\s?)*",
  "^(([a-z])+.)+[A-Z]([a-z])+$",
  "(x+x+)+y",
  "(.*){1,32000}[bc]",
  "(a*)*b",
  "([a-zA-Z]+)*$",
  "(.*a){20}",
  "(?i)(a|a)*b",
];
