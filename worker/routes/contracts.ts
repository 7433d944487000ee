import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { AddContractBody, ContractParams, ContractsResponse } from "../../schema";
import { unwrap } from "../errors";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceRecordParams, json, jsonBody } from "./params";

/**
 * Watched contracts of a network (View Contracts): the list with each address's latest code
 * size, balance and nonce, and one-at-a-time add and remove for the dashboard's form. The whole
 * list can also be replaced with `PATCH integrations/networks/:id { contracts }`.
 */
export const contractRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/integrations/networks/{id}/contracts",
      summary: "Watched contracts of a network with their latest readings",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceRecordParams },
      responses: { 200: json(ContractsResponse), ...problemResponses },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      return c.json(unwrap(await c.var.workspace.stub.listContracts(id)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/integrations/networks/{id}/contracts",
      summary: "Watch one more address on a network (at most 25); it is read at once",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceRecordParams, ...jsonBody(AddContractBody) },
      responses: {
        201: json(ContractsResponse.extend({ success: z.literal(true) }), "Created"),
        409: { description: "The address is already watched" },
        422: { description: "The network already watches 25 contracts" },
        ...problemResponses,
      },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const added = unwrap(
        await stub.addContract(c.var.principal, c.req.valid("param").id, c.req.valid("json")),
      );
      return c.json({ success: true as const, ...added }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/integrations/networks/{id}/contracts/{address}",
      summary: "Stop watching an address on a network",
      middleware: [authorize("admin")] as const,
      request: { params: ContractParams },
      responses: {
        200: json(ContractsResponse.extend({ success: z.literal(true) })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id, address } = c.req.valid("param");
      const left = unwrap(await c.var.workspace.stub.removeContract(c.var.principal, id, address));
      return c.json({ success: true as const, ...left }, 200);
    },
  );
