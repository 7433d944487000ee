import type { BrowserContext, CDPSession, Page } from "playwright-core";

/** A credential as the DevTools protocol's WebAuthn domain exports and imports it. */
export type VirtualCredential = {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
};

/**
 * A platform authenticator with resident keys and user verification, attached to one page
 * through the DevTools protocol (`WebAuthn.addVirtualAuthenticator`): the browser's real
 * WebAuthn code runs, and every prompt is answered at once.
 */
export class VirtualAuthenticator {
  private constructor(
    readonly cdp: CDPSession,
    readonly id: string,
  ) {}

  static async attach(context: BrowserContext, page: Page): Promise<VirtualAuthenticator> {
    const cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable", { enableUI: false });
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return new VirtualAuthenticator(cdp, authenticatorId);
  }

  async credentials(): Promise<VirtualCredential[]> {
    const { credentials } = await this.cdp.send("WebAuthn.getCredentials", {
      authenticatorId: this.id,
    });
    return credentials as VirtualCredential[];
  }

  async remove(credentialId: string): Promise<void> {
    await this.cdp.send("WebAuthn.removeCredential", { authenticatorId: this.id, credentialId });
  }

  async add(credential: VirtualCredential): Promise<void> {
    await this.cdp.send("WebAuthn.addCredential", { authenticatorId: this.id, credential });
  }
}
