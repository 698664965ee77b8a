import { Inject, Injectable } from '@nestjs/common';
import { NANOPOD_CONFIG, NanopodConfig, UpstreamError } from '@nanopod/common';
import { createRemoteJWKSet } from 'jose';
import { IdentityErrorCodes } from '../identity.errors';

export interface OidcMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  end_session_endpoint?: string;
  userinfo_endpoint?: string;
  device_authorization_endpoint?: string;
}

/**
 * The realm's discovery document and key set, fetched once and kept. Keycloak and the built-in
 * issuer serve the same paths under `/realms/nanopod`.
 */
@Injectable()
export class OidcDiscoveryService {
  private metadata?: Promise<OidcMetadata>;
  private jwks?: ReturnType<typeof createRemoteJWKSet>;

  constructor(@Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig) {}

  get issuer(): string {
    return this.config.oidc.issuer;
  }

  async getMetadata(): Promise<OidcMetadata> {
    this.metadata ??= this.fetchMetadata().catch((err: unknown) => {
      this.metadata = undefined;
      throw err;
    });
    return this.metadata;
  }

  private async fetchMetadata(): Promise<OidcMetadata> {
    const url = `${this.config.oidc.issuer}/.well-known/openid-configuration`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      throw new UpstreamError(
        IdentityErrorCodes.issuerUnreachable,
        'The identity provider cannot be reached',
        {
          issuer: this.config.oidc.issuer,
          reason: (err as Error).message,
        },
      );
    }
    if (!res.ok) {
      throw new UpstreamError(
        IdentityErrorCodes.issuerUnreachable,
        `The identity provider answered ${res.status}`,
        {
          issuer: this.config.oidc.issuer,
        },
      );
    }
    return (await res.json()) as OidcMetadata;
  }

  async getJwks(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (!this.jwks) {
      const meta = await this.getMetadata();
      this.jwks = createRemoteJWKSet(new URL(meta.jwks_uri), {
        cooldownDuration: 30_000,
        cacheMaxAge: 600_000,
      });
    }
    return this.jwks;
  }
}
