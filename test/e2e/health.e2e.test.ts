import { expect, inject, it } from "vitest";

it("serves /health from the local runtime", async () => {
  const res = await fetch(`${inject("baseUrl")}/health`);
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ status: "ok" });
});
