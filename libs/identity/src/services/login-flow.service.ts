import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  NANOPOD_CONFIG,
  NanopodConfig,
  UnauthenticatedError,
  UpstreamError,
  ValidationError,
} from '@nanopod/common';
import * as oidc from 'openid-client';
import { SessionsService } from './sessions.service';
import { identityFromClaims, UsersService } from './users.service';
import type { UserEntity } from '../entities/user.entity';
import { IdentityErrorCodes } from '../identity.errors';

/** What the browser keeps between /auth/login and /auth/callback (HttpOnly, 10 minutes). */
export interface PendingLogin {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
}

export interface IdTokenClaims {
  sub: string;
  sid?: string;
  preferred_username?: string;
  name?: string;
  email?: string;
  picture?: string;
  github_login?: string;
  github_id?: string | number;
  realm_access?: { roles?: string[] };
}

/** Only same-site paths: `return_to` must never make the login an open redirect. */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || !/^\/(?![/\\])[\x21-\x7e]*$/.test(value)) return '/';
  return value;
}

/**
 * Browser sign-in against the realm (Keycloak, or the built-in issuer at the same paths):
 * authorization code with PKCE (S256), state and nonce, `kc_idp_hint=github`; the callback
 * verifies the ID token, upserts the user and starts a server-side session.
 */
@Injectable()
export class LoginFlowService {
  private readonly logger = new Logger(LoginFlowService.name);
  private client?: Promise<oidc.Configuration>;

  constructor(
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
  ) {}

  get callbackUrl(): string {
    return `${this.config.publicUrl}/auth/callback`;
  }

  /** Discovery once, then kept; a failure is retried on the next sign-in. */
  private configuration(): Promise<oidc.Configuration> {
    this.client ??= (async () => {
      const issuer = new URL(this.config.oidc.issuer);
      try {
        return await oidc.discovery(
          issuer,
          this.config.oidc.clientId,
          undefined,
          oidc.ClientSecretBasic(this.config.oidc.clientSecret),
          issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
        );
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
    })().catch((err: unknown) => {
      this.client = undefined;
      throw err;
    });
    return this.client;
  }

  async begin(returnTo: unknown): Promise<{ redirectTo: string; pending: PendingLogin }> {
    const config = await this.configuration();
    const pending: PendingLogin = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
      returnTo: safeReturnTo(returnTo),
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.callbackUrl,
      response_type: 'code',
      scope: 'openid profile email',
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      // Keycloak skips its login page and goes straight to the GitHub identity provider.
      kc_idp_hint: 'github',
    });
    return { redirectTo: url.href, pending };
  }

  /** Exchanges the code, verifies the ID token (signature, iss, aud, nonce) and signs the user in. */
  async complete(
    pending: PendingLogin | undefined,
    query: Record<string, string>,
  ): Promise<{ user: UserEntity; sessionToken: string; returnTo: string }> {
    if (!pending) {
      throw new ValidationError(
        IdentityErrorCodes.loginExpired,
        'This sign-in was not started here or has expired; start again at /auth/login',
      );
    }
    if (query.error) {
      throw new UnauthenticatedError(
        IdentityErrorCodes.loginRefused,
        'The identity provider refused the sign-in',
        {
          error: query.error,
        },
      );
    }
    const config = await this.configuration();
    const current = new URL(this.callbackUrl);
    for (const [k, v] of Object.entries(query)) current.searchParams.set(k, v);
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      this.logger.warn({ reason: (err as Error).message }, 'sign-in callback refused');
      throw new UnauthenticatedError(
        IdentityErrorCodes.loginFailed,
        'The sign-in could not be completed; start again',
        {
          reason: (err as { code?: string }).code ?? 'invalid_response',
        },
      );
    }
    const claims = tokens.claims() as IdTokenClaims | undefined;
    if (!claims?.sub)
      throw new UnauthenticatedError(IdentityErrorCodes.loginFailed, 'The ID token has no subject');
    const user = await this.users.upsertFromIdentity(identityFromClaims(claims), { login: true });
    const { token } = await this.sessions.start(
      user.id,
      claims.sid ?? null,
      tokens.id_token ?? null,
    );
    this.logger.log({ userId: user.id }, 'signed in');
    // Checked again: the pending cookie comes back from the browser and is not signed.
    return { user, sessionToken: token, returnTo: safeReturnTo(pending.returnTo) };
  }

  /** Ends the platform session and returns where to send the browser: the realm's end_session. */
  async logout(sessionToken: string | undefined): Promise<string> {
    const after = `${this.config.publicUrl}/`;
    let idToken: string | null = null;
    if (sessionToken) {
      const found = await this.sessions.verify(sessionToken);
      if (found) {
        idToken = found.session.idToken;
        await this.sessions.end(found.session.id);
        this.logger.log({ userId: found.user.id }, 'signed out');
      }
    }
    try {
      const config = await this.configuration();
      if (!config.serverMetadata().end_session_endpoint) return after;
      const params: Record<string, string> = {
        post_logout_redirect_uri: after,
        client_id: this.config.oidc.clientId,
      };
      if (idToken) params.id_token_hint = idToken;
      return oidc.buildEndSessionUrl(config, params).href;
    } catch {
      return after;
    }
  }
}
