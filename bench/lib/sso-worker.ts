import { prepare, type Workload } from "./sso-workload";

/** workerd side of the SSO bench: `GET /?kind=idToken|access&n=N` runs N verifications. */
let workload: Promise<Workload> | undefined;

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n") ?? "0");
    const kind = url.searchParams.get("kind") === "access" ? "access" : "idToken";
    workload ??= prepare();
    await (await workload)[kind](n);
    return new Response("ok");
  },
};
