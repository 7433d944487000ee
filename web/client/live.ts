// Placeholder entry so the build has something to bundle; the live client replaces it.
export {};
