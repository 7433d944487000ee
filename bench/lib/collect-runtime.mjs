// The Opsdeck deploy bundle in workerd through Miniflare, without wrangler's dev proxy, set up
// for the collection bench (bench/collect.mjs): loopback integration URLs allowed (the stand-ins
// and anvil listen on 127.0.0.1) and Miniflare's trigger handler on, so the bench can fire the
// cron (`GET <entryUrl>/cdn-cgi/local/scheduled?cron=…`) the way the platform would. The cron
// trigger itself is left out: it fires only when the bench says so. API calls go straight to
// the Worker, as in production; the cron goes through Miniflare's entry worker (its trigger
// handler), which runs in the same workerd.
//
// Forked by bench/collect.mjs (IPC): sends {ready, url, entryUrl, workerdPids}; on {cmd:"stop"}
// disposes Miniflare (which stops workerd) and exits; exits too when the parent goes away.
import { ROOT } from "../../scripts/lib/dev-server.mjs";
import {
  newMiniflare,
  opsdeckWorker,
  requiredSecrets,
  serveToParent,
  workDir,
} from "./miniflare.mjs";

const work = workDir("opsdeck-bench-collect-");
const worker = opsdeckWorker(ROOT, work, { ALLOW_LOOPBACK_URLS: "true", ...requiredSecrets() });
await serveToParent(newMiniflare(work, worker, { unsafeTriggerHandlers: true }));
