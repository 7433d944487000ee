import { XMLParser } from "fast-xml-parser";
import type { z } from "zod";

/**
 * XML from AWS's Query, EC2 Query and REST-XML protocols. A list with one member parses as an
 * object unless its path is named here, so every list element the collector reads is forced to
 * an array (a one-instance account must not look like a malformed answer).
 */
const LIST_PATHS = new Set([
  "DescribeInstancesResponse.reservationSet.item",
  "DescribeInstancesResponse.reservationSet.item.instancesSet.item",
  "DescribeDBInstancesResponse.DescribeDBInstancesResult.DBInstances.DBInstance",
  "ListAllMyBucketsResult.Buckets.Bucket",
  "Response.Errors.Error",
]);

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  removeNSPrefix: true,
  // Ids like `0123` and tokens must stay strings; the schemas say what is a number.
  parseTagValue: false,
  trimValues: true,
  isArray: (_name, jpath) => LIST_PATHS.has(String(jpath)),
});

/** AWS never sends a DTD; one in a response is refused before any entity could expand. */
const DTD = /<!(DOCTYPE|ENTITY)/i;

/** Parses XML, or returns undefined when the text is not XML we accept. */
export function parseXml(text: string): unknown {
  if (DTD.test(text) || !text.trimStart().startsWith("<")) return undefined;
  try {
    return parser.parse(text, true);
  } catch {
    return undefined;
  }
}

/** Parses and checks the shape; undefined when either fails. */
export function readXml<S extends z.ZodType>(schema: S, text: string): z.infer<S> | undefined {
  const parsed = schema.safeParse(parseXml(text));
  return parsed.success ? parsed.data : undefined;
}

export type AwsErrorBody = { code: string; message: string };

/**
 * The error code and message of an AWS error body, whichever protocol sent it:
 * EC2 `<Response><Errors><Error>`, Query `<ErrorResponse><Error>`, S3 `<Error>`.
 */
export function xmlError(text: string): AwsErrorBody | undefined {
  const doc = parseXml(text);
  if (typeof doc !== "object" || doc === null) return undefined;
  const root = doc as Record<string, unknown>;
  const candidates = [
    firstOf(at(root, "Response", "Errors", "Error")),
    at(root, "ErrorResponse", "Error"),
    root.Error,
  ];
  for (const candidate of candidates) {
    const code = at(candidate, "Code");
    if (typeof code === "string" && code) {
      const message = at(candidate, "Message");
      return { code, message: typeof message === "string" ? message : "" };
    }
  }
  return undefined;
}

function at(value: unknown, ...path: string[]): unknown {
  let node = value;
  for (const key of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

const firstOf = (value: unknown) => (Array.isArray(value) ? value[0] : value);
