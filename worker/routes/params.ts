import { z } from "zod";
import { RecordId } from "../../schema";

/** Path parameters shared by the workspace routes (validated again by `authorize`). */
export const WorkspaceParams = z.object({ workspace: z.string() });
export const WorkspaceRecordParams = WorkspaceParams.extend({ id: RecordId });

export const json = <S extends z.ZodType>(schema: S, description = "OK") => ({
  content: { "application/json": { schema } },
  description,
});

export const jsonBody = <S extends z.ZodType>(schema: S, required = true) => ({
  body: { content: { "application/json": { schema } }, required },
});
