import { app } from "./app";
import { scheduled } from "./cron";

export { Directory } from "../durable-objects/directory";
export { Workspace } from "../durable-objects/workspace";

export default {
  fetch: app.fetch,
  scheduled,
} satisfies ExportedHandler<Env>;
