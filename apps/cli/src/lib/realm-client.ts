import * as oidc from 'openid-client';
import type { components } from '../generated/api-types';
import { apiClient, unwrap } from './client';
import { StoredCredentials } from './credentials';
import { CliError } from './errors';

/** What the platform says about its realm (GET /v1/auth/config). */
export type AuthConfig = components['schemas']['AuthConfigDto'];

export interface RealmSession {
  config: oidc.Configuration;
  auth: AuthConfig;
}

export async function fetchAuthConfig(url: string): Promise<AuthConfig> {
  return unwrap(apiClient({ url }, { requireAuth: false }).GET('/v1/auth/config'));
}

/** Discovery of the realm as the public CLI client (no secret; PKCE and the device flow). */
export async function realmClient(issuer: string, clientId: string): Promise<oidc.Configuration> {
  const server = new URL(issuer);
  try {
    return await oidc.discovery(
      server,
      clientId,
      undefined,
      oidc.None(),
      server.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
    );
  } catch (err) {
    throw new CliError(
      `Cannot reach the identity provider at ${issuer}: ${(err as Error).message}`,
      3,
      'cli.issuer_unreachable',
    );
  }
}

export function toCredentials(
  url: string,
  issuer: string,
  clientId: string,
  tokens: oidc.TokenEndpointResponse,
  previousRefresh?: string,
): StoredCredentials {
  return {
    url,
    issuer,
    client_id: clientId,
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token ?? previousRefresh,
    id_token: tokens.id_token,
    expires_at:
      tokens.expires_in !== undefined
        ? Math.floor(Date.now() / 1000) + tokens.expires_in
        : undefined,
  };
}

/** A new access token from the stored refresh token; the caller stores the result. */
export async function refreshStored(stored: StoredCredentials): Promise<StoredCredentials> {
  if (!stored.refresh_token || !stored.issuer || !stored.client_id) {
    throw new CliError('The sign-in expired: run `nanopod login` again', 2, 'cli.not_signed_in');
  }
  const config = await realmClient(stored.issuer, stored.client_id);
  try {
    const tokens = await oidc.refreshTokenGrant(config, stored.refresh_token);
    return toCredentials(stored.url, stored.issuer, stored.client_id, tokens, stored.refresh_token);
  } catch {
    throw new CliError('The sign-in expired: run `nanopod login` again', 2, 'cli.not_signed_in');
  }
}
