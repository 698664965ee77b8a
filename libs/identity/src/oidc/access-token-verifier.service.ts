import { Inject, Injectable } from '@nestjs/common';
import { Clock, NANOPOD_CONFIG, NanopodConfig } from '@nanopod/common';
import { errors as joseErrors, JWTPayload, jwtVerify } from 'jose';
import { OidcDiscoveryService } from './oidc-discovery.service';

/** Asymmetric algorithms only: `none` and HMAC (HS*) tokens are refused by construction. */
const ALLOWED_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

export interface RealmAccessToken extends JWTPayload {
  sub: string;
  azp?: string;
  preferred_username?: string;
  email?: string;
  name?: string;
  picture?: string;
  github_id?: string | number;
  github_login?: string;
  realm_access?: { roles?: string[] };
  sid?: string;
}

export type TokenRejection =
  | 'expired'
  | 'not_yet_valid'
  | 'bad_signature'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'bad_algorithm'
  | 'not_access_token'
  | 'malformed';

export class TokenRejectedError extends Error {
  constructor(readonly reason: TokenRejection) {
    super(`access token refused: ${reason}`);
  }
}

@Injectable()
export class AccessTokenVerifier {
  constructor(
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
    private readonly discovery: OidcDiscoveryService,
    private readonly clock: Clock,
  ) {}

  /** Verifies signature (realm JWKS), issuer, audience or azp, exp and nbf. */
  async verify(token: string): Promise<RealmAccessToken> {
    const jwks = await this.discovery.getJwks();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: this.config.oidc.issuer,
        algorithms: ALLOWED_ALGS,
        clockTolerance: 5,
        currentDate: this.clock.now(),
      }));
    } catch (err) {
      throw new TokenRejectedError(this.classify(err));
    }
    const aud = Array.isArray(payload.aud) ? payload.aud : payload.aud ? [payload.aud] : [];
    const azp = (payload as RealmAccessToken).azp;
    const clients = [this.config.oidc.clientId, this.config.oidc.cliClientId];
    if (!aud.includes(this.config.oidc.audience) && !(azp && clients.includes(azp))) {
      throw new TokenRejectedError('wrong_audience');
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0)
      throw new TokenRejectedError('malformed');
    // Keycloak marks access tokens typ "Bearer" (ID tokens "ID", refresh "Refresh"): an ID token,
    // whose aud is our client id, must not pass as an access token.
    if ((payload as { typ?: unknown }).typ !== 'Bearer')
      throw new TokenRejectedError('not_access_token');
    return payload as RealmAccessToken;
  }

  private classify(err: unknown): TokenRejection {
    if (err instanceof joseErrors.JWTExpired) return 'expired';
    if (err instanceof joseErrors.JWTClaimValidationFailed) {
      if (err.claim === 'iss') return 'wrong_issuer';
      if (err.claim === 'nbf') return 'not_yet_valid';
      if (err.claim === 'aud') return 'wrong_audience';
      return 'malformed';
    }
    if (err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JOSENotSupported)
      return 'bad_algorithm';
    if (
      err instanceof joseErrors.JWSSignatureVerificationFailed ||
      err instanceof joseErrors.JWKSNoMatchingKey
    ) {
      return 'bad_signature';
    }
    return 'malformed';
  }
}
