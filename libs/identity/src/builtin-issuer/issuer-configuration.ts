import type { NanopodConfig } from '@nanopod/common';
import { deviceConfirmPage, deviceInputPage, logoutPage, messagePage } from './dev-pages';
import type { IssuerKeys } from './issuer-keys';
import type { OidcContext, OidcProviderInstance, OidcToken } from './oidc-provider.types';

/** The one resource server: access tokens for the platform API carry its audience. */
export const PLATFORM_RESOURCE = 'urn:nanopod:platform';
export const ACCESS_TOKEN_TTL_S = 300;
export const SCOPES = 'openid profile email offline_access';

/** Keycloak's endpoint paths under the realm (see reference/keycloak.md). */
const KEYCLOAK_ROUTES = {
  authorization: '/protocol/openid-connect/auth',
  token: '/protocol/openid-connect/token',
  userinfo: '/protocol/openid-connect/userinfo',
  end_session: '/protocol/openid-connect/logout',
  jwks: '/protocol/openid-connect/certs',
  introspection: '/protocol/openid-connect/token/introspect',
  revocation: '/protocol/openid-connect/revoke',
  device_authorization: '/protocol/openid-connect/auth/device',
  code_verification: '/device',
};

export interface KoaLikeContext extends OidcContext {
  body?: unknown;
  type?: string;
  status?: number;
}

export interface IssuerDependencies {
  config: NanopodConfig;
  keys: IssuerKeys;
  mountPath: string;
  adapter: unknown;
  /** The claims of a subject signed in on the development GitHub page, if known. */
  claimsFor(sub: string): Record<string, unknown> | undefined;
}

/**
 * oidc-provider's configuration for the built-in realm: Keycloak's paths, the platform and CLI
 * clients, JWT access tokens for the platform audience with Keycloak-like claims, PKCE always.
 */
export function issuerConfiguration(deps: IssuerDependencies): Record<string, unknown> {
  const { config, keys, mountPath: mount } = deps;
  const { oidc, publicUrl } = config;
  const page = (ctx: KoaLikeContext, html: string) => {
    ctx.type = 'html';
    ctx.body = html;
  };
  return {
    adapter: deps.adapter,
    clients: [
      {
        client_id: oidc.clientId,
        client_secret: oidc.clientSecret,
        client_name: 'Nanopod platform',
        redirect_uris: [`${publicUrl}/auth/callback`],
        post_logout_redirect_uris: [`${publicUrl}/`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        // RFC 8252: a native client's loopback redirect matches on any port.
        client_id: oidc.cliClientId,
        client_name: 'Nanopod CLI',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: ['http://127.0.0.1/callback', 'http://localhost/callback'],
        grant_types: [
          'authorization_code',
          'refresh_token',
          'urn:ietf:params:oauth:grant-type:device_code',
        ],
        response_types: ['code'],
      },
    ],
    jwks: keys.jwks,
    cookies: {
      keys: keys.cookieKeys,
      long: { httpOnly: true, sameSite: 'lax', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    routes: KEYCLOAK_ROUTES,
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    claims: {
      openid: ['sub'],
      profile: [
        'name',
        'preferred_username',
        'picture',
        'github_login',
        'github_id',
        'realm_access',
      ],
      email: ['email', 'email_verified'],
    },
    // Like Keycloak: the ID token carries the profile claims even when an access token is issued.
    conformIdTokenClaims: false,
    extraParams: ['kc_idp_hint'],
    pkce: { required: () => true },
    clientBasedCORS: () => false,
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: (ctx: KoaLikeContext, formHtml: string, _out: unknown, err?: Error) =>
          page(
            ctx,
            deviceInputPage(formHtml, err ? 'That code is not valid; try again.' : undefined),
          ),
        userCodeConfirmSource: (
          ctx: KoaLikeContext,
          formHtml: string,
          client: { clientName?: string; clientId: string },
          _info: unknown,
          userCode: string,
        ) => page(ctx, deviceConfirmPage(formHtml, client.clientName ?? client.clientId, userCode)),
        successSource: (ctx: KoaLikeContext) =>
          page(ctx, messagePage('Signed in', 'The CLI is signed in; you can close this page.')),
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx: KoaLikeContext, formHtml: string) => page(ctx, logoutPage(formHtml)),
        postLogoutSuccessSource: (ctx: KoaLikeContext) =>
          page(ctx, messagePage('Signed out', 'You are signed out of nanopod.')),
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => PLATFORM_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          if (resource !== PLATFORM_RESOURCE) {
            throw new Error(`unknown resource ${resource}`);
          }
          return {
            scope: 'nanopod',
            audience: oidc.audience,
            accessTokenTTL: ACCESS_TOKEN_TTL_S,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    findAccount: (_ctx: unknown, sub: string) => {
      const claims = deps.claimsFor(sub);
      return claims ? { accountId: sub, claims: () => claims } : undefined;
    },
    // Keycloak access tokens carry typ "Bearer", azp and the user's realm roles and profile.
    extraTokenClaims: (_ctx: unknown, token: OidcToken) => {
      if (token.kind !== 'AccessToken' || !token.accountId) return undefined;
      const clientId = token.clientId ?? token.client?.clientId;
      return {
        typ: 'Bearer',
        azp: clientId,
        ...(deps.claimsFor(token.accountId) ?? {}),
        sub: token.accountId,
      };
    },
    // First-party clients only: consent is implied, as with Keycloak's consentRequired=false.
    loadExistingGrant: async (ctx: {
      oidc: {
        result?: { consent?: { grantId?: string } };
        session: { accountId: string; grantIdFor(clientId: string): string | undefined };
        client: { clientId: string };
        provider: OidcProviderInstance & { Grant: { find(id: string): Promise<unknown> } };
      };
    }) => {
      const { oidc: o } = ctx;
      const existing = o.result?.consent?.grantId ?? o.session.grantIdFor(o.client.clientId);
      if (existing) {
        const found = await o.provider.Grant.find(existing);
        if (found) return found;
      }
      const grant = new o.provider.Grant({
        accountId: o.session.accountId,
        clientId: o.client.clientId,
      });
      grant.addOIDCScope(SCOPES);
      grant.addResourceScope(PLATFORM_RESOURCE, 'nanopod');
      await grant.save();
      return grant;
    },
    issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) =>
        `${mount}/login-actions/${interaction.uid}`,
    },
    renderError: (ctx: KoaLikeContext, out: { error?: string; error_description?: string }) =>
      page(
        ctx,
        messagePage('Sign-in error', `${out.error ?? 'error'}: ${out.error_description ?? ''}`),
      ),
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_S,
      AuthorizationCode: 60,
      IdToken: ACCESS_TOKEN_TTL_S,
      DeviceCode: 600,
      Interaction: 600,
      RefreshToken: 30 * 24 * 3600,
      Session: 14 * 24 * 3600,
      Grant: 30 * 24 * 3600,
    },
  };
}
