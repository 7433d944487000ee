import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { AwsService, Web3Network } from "../../schema";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json } from "./params";

/** Collected inventories: cloud services and Web3 networks. */
export const inventoryRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/aws-services",
      summary: "AWS services by region",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams },
      responses: { 200: json(z.object({ services: z.array(AwsService) })), ...problemResponses },
    }),
    async (c) => c.json({ services: await c.var.workspace.stub.listAwsServices() }, 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/web3",
      summary: "Watched EVM networks",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams },
      responses: { 200: json(z.object({ networks: z.array(Web3Network) })), ...problemResponses },
    }),
    async (c) => c.json({ networks: await c.var.workspace.stub.listWeb3() }, 200),
  );
