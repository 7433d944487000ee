/**
 * How many items of each list the snapshot, its frames and the REST reads carry, newest first.
 * One table so the server and the browser client (which trims lists it grows from frames)
 * cannot disagree. No zod here: the client bundle imports this file.
 */
export const LIST_CAPS = {
  alerts: 200,
  incidents: 100,
  deployments: 50,
  pipelines: 20,
  activity: 50,
  security: 50,
} as const;
