import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./env";
import { ApiError } from "./errors";

/**
 * Every router is an OpenAPIHono with the same validation hook, so a bad query, path or
 * body always leaves as a 400 problem with `issues[]` naming the failing field.
 */
export function router(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, _c) => {
      if (!result.success) throw ApiError.validation(result.error, result.target);
    },
  });
}

/** Shared response docs for the generated OpenAPI document. */
export const problemResponses = {
  400: { description: "Invalid input (problem+json with issues[])" },
  401: { description: "Not authenticated" },
  403: { description: "Role too low, or cross-site request" },
  404: { description: "Not found" },
} as const;
