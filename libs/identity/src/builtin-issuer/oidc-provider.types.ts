import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The slice of oidc-provider (v9, ESM-only, no bundled types) that the built-in issuer uses.
 * Loaded with require(): Node 20.19+ loads ESM synchronously, and jest transforms it.
 */
export interface OidcInteraction {
  uid: string;
  prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
  params: Record<string, unknown>;
  session?: { accountId?: string };
  grantId?: string;
  lastSubmission?: Record<string, unknown>;
}

export interface OidcGrant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}

export interface OidcProviderInstance {
  proxy: boolean;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<OidcInteraction>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    opts?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  Grant: new (fields: { accountId: string; clientId: string }) => OidcGrant;
  on(event: string, listener: (...args: unknown[]) => void): void;
}

/** The parts of oidc-provider's KoaContextWithOIDC the configuration hooks read. */
export interface OidcContext {
  oidc: {
    client?: { clientId: string };
    params?: Record<string, unknown>;
    session?: { accountId?: string };
  };
}

export interface OidcToken {
  accountId?: string;
  clientId?: string;
  client?: { clientId: string };
  kind?: string;
}

export type OidcProviderConstructor = new (
  issuer: string,
  configuration: Record<string, unknown>,
) => OidcProviderInstance;

/**
 * oidc-provider warns at import that Node 20 is not its supported LTS; the project supports
 * Node >= 20.19 (require(esm)) and the tests run the issuer there, so that one line is dropped.
 */
export function loadOidcProvider(): OidcProviderConstructor {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('Unsupported runtime')) return;
    warn(...args);
  };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('oidc-provider') as { default: OidcProviderConstructor };
    return mod.default;
  } finally {
    console.warn = warn;
  }
}
