import { describe, expect, it } from "vitest";
import { Web3Network } from "../../schema";
import { chainLogo, isImageUrl, networkLogo } from "../../schema/chain-logos";

const KNOWN = [1, 11155111, 17000, 560048, 137, 80002, 42161, 421614, 10, 11155420, 8453, 84532];

describe("Web3 network logos", () => {
  it("gives each known chain its own small inline SVG, and unknown chains a generic one", () => {
    const logos = KNOWN.map(chainLogo);
    for (const logo of logos) {
      expect(logo).toMatch(/^data:image\/svg\+xml,%3Csvg%20/);
      expect(logo.length).toBeLessThan(1200);
      // Percent-encoded: nothing that could end an attribute, a url() or a JSON string.
      expect(logo).not.toMatch(/["'<>\s\\]/);
      expect(decodeURIComponent(logo.slice(19))).toMatch(
        /^<svg [^>]*viewBox="0 0 32 32".*<\/svg>$/,
      );
    }
    expect(new Set(logos).size).toBe(KNOWN.length);
    expect(chainLogo(31337)).toBe(chainLogo(1337));
    expect(new Set([...logos, chainLogo(31337)]).size).toBe(KNOWN.length + 1);
    expect(chainLogo(999_999)).toBe(chainLogo(undefined));
    expect(logos).not.toContain(chainLogo(undefined));
  });

  it("keeps a configured logo only when it is an image URL", () => {
    expect(isImageUrl("https://cdn.example/eth.png")).toBe(true);
    expect(isImageUrl("data:image/png;base64,iVBORw0KGgo=")).toBe(true);
    for (const bad of [
      "",
      "javascript:alert(1)",
      "http://cdn.example/eth.png",
      "data:text/html,<script>alert(1)</script>",
      "/logos/eth.svg",
      '"><img src=x onerror=alert(1)>',
    ])
      expect(isImageUrl(bad), bad).toBe(false);
    expect(networkLogo("https://cdn.example/eth.png", 1)).toBe("https://cdn.example/eth.png");
    expect(networkLogo("javascript:alert(1)", 1)).toBe(chainLogo(1));
    expect(networkLogo(`https://cdn.example/${"x".repeat(2000)}`, 137)).toBe(chainLogo(137));
  });

  it("cards stored with an empty logo read with their chain's mark", () => {
    const card = {
      id: "eth",
      name: "Ethereum",
      logo: "",
      status: "healthy",
      blockNumber: 1,
      blockTime: 12,
      tps: 1,
      gasPrice: { slow: 1, average: 2, fast: 3 },
      gasTrend: "up",
      source: "web3",
    };
    expect(Web3Network.parse({ ...card, chainId: 1 }).logo).toBe(chainLogo(1));
    expect(Web3Network.parse(card).logo).toBe(chainLogo(undefined));
  });
});
