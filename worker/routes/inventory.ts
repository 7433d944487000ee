import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { AwsService, AwsServiceQuery, SourceStatus, Web3Network } from "../../schema";
import { withSources } from "../lib/panel";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json } from "./params";

/** Collected inventories: cloud services and Web3 networks. */
export const inventoryRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/aws-services",
      summary: "AWS services by region, filtered by region and status",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams, query: AwsServiceQuery },
      responses: {
        200: json(z.object({ services: z.array(AwsService), sources: z.array(SourceStatus) })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const { region, status } = c.req.valid("query");
      const [all, sources] = await withSources(stub, "aws-services", stub.listAwsServices());
      const services = all.filter(
        (s) => (!region || s.region === region) && (!status || s.status === status),
      );
      return c.json({ services, sources }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/web3",
      summary: "Watched EVM networks",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams },
      responses: {
        200: json(z.object({ networks: z.array(Web3Network), sources: z.array(SourceStatus) })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const [networks, sources] = await withSources(stub, "web3", stub.listWeb3());
      return c.json({ networks, sources }, 200);
    },
  );
