import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SOCKET_EVICTED_CODE } from "../../schema";
import { LiveLink, POLL_EVERY_MS, type LinkStatus } from "../../web/client/link";

/** Just enough of a browser WebSocket for LiveLink: the test opens and closes it by hand. */
class FakeSocket {
  static readonly OPEN = 1;
  static readonly created: FakeSocket[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.created.push(this);
  }
  send(): void {}
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.();
  }
  closedByServer(code: number, reason = ""): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

let statuses: LinkStatus[];
let polls: number;

function startLink(): LiveLink {
  const link = new LiveLink({
    base: "/w/demo",
    lastSeq: () => 3,
    onText: () => {},
    onStatus: (status) => statuses.push(status),
    poll: async () => {
      polls++;
      return "ok";
    },
  });
  link.start();
  return link;
}

/** Lets the ticket fetch resolve and the socket be created. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(0);
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.created.length = 0;
  statuses = [];
  polls = 0;
  vi.stubGlobal("WebSocket", FakeSocket);
  vi.stubGlobal("location", { href: "https://ops.example.com/w/demo/" });
  vi.stubGlobal("addEventListener", () => {});
  vi.stubGlobal("fetch", async () => Response.json({ ticket: "odt.demo.x" }));
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("LiveLink and the socket caps", () => {
  it("reconnects after an ordinary close (a deploy, 1006/1012)", async () => {
    startLink();
    await settle();
    FakeSocket.created[0]!.open();
    FakeSocket.created[0]!.closedByServer(1012, "restart");
    await vi.advanceTimersByTimeAsync(2_000);
    await settle();
    expect(FakeSocket.created).toHaveLength(2);
  });

  it("stays down when replaced by a newer socket of its token (4008), and keeps polling", async () => {
    startLink();
    await settle();
    FakeSocket.created[0]!.open();
    FakeSocket.created[0]!.closedByServer(SOCKET_EVICTED_CODE, "socket limit: oldest closed");
    await vi.advanceTimersByTimeAsync(POLL_EVERY_MS * 4);
    await settle();
    // Reconnecting would evict the newer socket in turn: a loop across the user's tabs.
    expect(FakeSocket.created).toHaveLength(1);
    expect(polls).toBeGreaterThanOrEqual(4);
    const last = statuses.at(-1)!;
    expect(last.state).toBe("offline");
    expect(last.detail).toMatch(/replaced by a newer connection.*reload/);
  });
});
