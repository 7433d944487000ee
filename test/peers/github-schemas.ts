import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

/**
 * GitHub's published REST description (npm `@octokit/openapi`, api.github.com) as a validator:
 * the stand-in checks every response it serves (and every request body it receives) against the
 * operation's documented schema. Undocumented error statuses are checked against GitHub's
 * generic error body (`basic-error`), which every REST error uses.
 */

type Json = Record<string, unknown>;
type Doc = { paths: Record<string, Record<string, Json>>; components: Json };

const DOC_PATH = fileURLToPath(
  new URL("../../node_modules/@octokit/openapi/generated/api.github.com.json", import.meta.url),
);

/** `#/components/…` → the id under which the components are registered with ajv. */
function retarget(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"gh#/components/'));
}

/**
 * GitHub marks fields like `dismissed_reason` `nullable` with an `enum` of strings and sends
 * null for them; ajv reads `nullable` as widening `type` only. Add null to such enums so the
 * description means what GitHub serves (checked against GitHub's own examples).
 */
function nullableEnums(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(nullableEnums);
  if (typeof node !== "object" || node === null) return;
  const schema = node as Record<string, unknown>;
  if (schema.nullable === true && Array.isArray(schema.enum) && !schema.enum.includes(null))
    schema.enum = [...schema.enum, null];
  for (const value of Object.values(schema)) nullableEnums(value);
}

export class GithubSchemas {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly doc: Doc) {
    // GitHub's description is OpenAPI 3.0 (`nullable`, `example`, `x-github`): not strict JSON Schema.
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    addFormats(this.ajv);
    nullableEnums(doc.components);
    this.ajv.addSchema({ components: doc.components }, "gh");
  }

  static load(): GithubSchemas {
    return new GithubSchemas(JSON.parse(readFileSync(DOC_PATH, "utf8")) as Doc);
  }

  /** An example value GitHub publishes (`components.examples`), deep-copied. */
  example(name: string): unknown {
    const examples = this.doc.components.examples as Record<string, { value: unknown }>;
    const found = examples[name];
    if (!found) throw new Error(`no example '${name}' in GitHub's description`);
    return structuredClone(found.value);
  }

  /** Problems with a response (empty when it matches the documented schema). */
  response(method: string, template: string, status: number, body: unknown): string[] {
    const operation = this.operation(method, template);
    if (!operation) return [`${method} ${template} is not in GitHub's description`];
    const responses = operation.responses as Record<string, Json>;
    const documented = responses[String(status)];
    if (!documented) {
      if (status >= 400)
        return this.check("basic-error", { $ref: "#/components/schemas/basic-error" }, body);
      return [`${operation.operationId}: status ${status} is not documented`];
    }
    const response = this.resolve(documented);
    const schema = (response.content as Record<string, { schema?: unknown }> | undefined)?.[
      "application/json"
    ]?.schema;
    if (schema === undefined)
      return body === undefined
        ? []
        : [`${operation.operationId} ${status}: documented without a body`];
    return this.check(`${method} ${template} ${status}`, schema, body);
  }

  /** Problems with a JSON request body. */
  request(method: string, template: string, body: unknown): string[] {
    const operation = this.operation(method, template);
    const content = (operation?.requestBody as Json | undefined)?.content as
      | Record<string, { schema?: unknown }>
      | undefined;
    const schema = content?.["application/json"]?.schema;
    if (schema === undefined) return [];
    return this.check(`${method} ${template} request`, schema, body);
  }

  /** Against GitHub's generic error body. */
  error(body: unknown): string[] {
    return this.check("basic-error", { $ref: "#/components/schemas/basic-error" }, body);
  }

  private operation(method: string, template: string): Json | undefined {
    return this.doc.paths[template]?.[method.toLowerCase()];
  }

  private resolve(response: Json): Json {
    const ref = response.$ref;
    if (typeof ref !== "string") return response;
    const name = ref.replace("#/components/responses/", "");
    return (this.doc.components.responses as Record<string, Json>)[name] ?? {};
  }

  private check(key: string, schema: unknown, body: unknown): string[] {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(retarget(schema) as object);
      this.compiled.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `${key}: ${e.instancePath || "(body)"} ${e.message ?? "is invalid"}`);
  }
}
