import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import {
  AddNetworkBody,
  CollectionIntervals,
  EVM_PRESETS,
  NetworkView,
  UpdateNetworkBody,
} from "../../schema";
import { readChainId } from "../../providers/evm/collector";
import { ApiError, unwrap } from "../errors";
import { checkOutboundUrl } from "../../lib/url-policy";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, WorkspaceRecordParams, json, jsonBody } from "./params";

/** Checks an RPC URL before it is saved: the URL policy, then which chain it really serves. */
async function verifyRpc(rpcUrl: string, chainId: number, allowLoopback: boolean): Promise<void> {
  const verdict = checkOutboundUrl(rpcUrl, { allowLoopback });
  if (!verdict.ok) {
    throw new ApiError(400, "url_not_allowed", `rpcUrl: ${verdict.reason}.`, [
      { path: "json.rpcUrl", message: verdict.reason },
    ]);
  }
  let actual: number;
  try {
    actual = await readChainId(rpcUrl);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replaceAll(
      rpcUrl,
      verdict.url.host,
    );
    throw new ApiError(
      422,
      "rpc_verification_failed",
      `The RPC endpoint did not answer eth_chainId: ${reason}`,
      [{ path: "json.rpcUrl", message: reason }],
    );
  }
  if (actual !== chainId) {
    throw new ApiError(
      422,
      "rpc_verification_failed",
      `The RPC endpoint serves chain ${actual}, not ${chainId}.`,
      [{ path: "json.chainId", message: `endpoint reports chain ${actual}` }],
    );
  }
}

/** Watched EVM networks, collection intervals and the Refresh action. */
export const collectionRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/integrations/networks",
      summary: "Watched EVM networks (RPC URLs shown by host only)",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams },
      responses: { 200: json(z.object({ networks: z.array(NetworkView) })), ...problemResponses },
    }),
    async (c) => c.json({ networks: await c.var.workspace.stub.listNetworks() }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/integrations/networks",
      summary: "Watch a network; the RPC URL must pass the URL policy and answer eth_chainId",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams, ...jsonBody(AddNetworkBody) },
      responses: {
        201: json(z.object({ network: NetworkView }), "Created"),
        422: { description: "The endpoint did not verify" },
        ...problemResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const preset = body.preset ? EVM_PRESETS[body.preset] : undefined;
      const chainId = body.chainId ?? preset!.chainId;
      const name = body.name ?? preset!.name;
      await verifyRpc(body.rpcUrl, chainId, c.env.ALLOW_LOOPBACK_URLS === "true");
      const network = unwrap(
        await c.var.workspace.stub.addNetwork(c.var.principal, {
          id: body.id,
          name,
          chainId,
          rpcUrl: body.rpcUrl,
          rpcHost: new URL(body.rpcUrl).host,
          explorerUrl: body.explorerUrl ?? preset?.explorerUrl,
          gasAlertGwei: body.gasAlertGwei,
          contracts: body.contracts,
        }),
      );
      return c.json({ network }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/integrations/networks/{id}",
      summary:
        "Rename a network, set its gas-price alert (gasAlertGwei; null removes it) or replace its watched contracts",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceRecordParams, ...jsonBody(UpdateNetworkBody) },
      responses: {
        200: json(z.object({ success: z.literal(true), network: NetworkView })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const network = unwrap(
        await stub.updateNetwork(c.var.principal, c.req.valid("param").id, c.req.valid("json")),
      );
      return c.json({ success: true as const, network }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/integrations/networks/{id}",
      summary: "Stop watching a network",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceRecordParams },
      responses: { 200: json(z.object({ success: z.literal(true) })), ...problemResponses },
    }),
    async (c) => {
      unwrap(await c.var.workspace.stub.removeNetwork(c.var.principal, c.req.valid("param").id));
      return c.json({ success: true as const }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/collection/intervals",
      summary: "Seconds between collection runs",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams },
      responses: { 200: json(z.object({ intervals: CollectionIntervals })), ...problemResponses },
    }),
    async (c) => c.json({ intervals: await c.var.workspace.stub.getIntervals() }, 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/collection/intervals",
      summary: "Change collection intervals (admin)",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams, ...jsonBody(CollectionIntervals) },
      responses: {
        200: json(z.object({ success: z.literal(true), intervals: CollectionIntervals })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const intervals = await c.var.workspace.stub.setIntervals(
        c.var.principal,
        c.req.valid("json"),
      );
      return c.json({ success: true as const, intervals }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/refresh",
      summary: "Run every configured collector now",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceParams },
      responses: {
        200: json(
          z.object({ results: z.record(z.string(), z.enum(["ran", "skipped", "failed"])) }),
        ),
        ...problemResponses,
      },
    }),
    async (c) => c.json({ results: await c.var.workspace.stub.refresh(c.var.principal) }, 200),
  );
