import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { NANOPOD_CONFIG, NanopodConfig } from '@nanopod/common';
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { devProfile, DevGithubProfile, GITHUB_LOGIN } from './dev-github-accounts';
import { githubDevPage, messagePage, realmLoginPage } from './dev-pages';
import { issuerConfiguration } from './issuer-configuration';
import { loadIssuerKeys } from './issuer-keys';
import { dropMemoryAdapter, memoryAdapterClass } from './memory-adapter';
import { randomBytes } from 'node:crypto';
import { loadOidcProvider, OidcProviderInstance } from './oidc-provider.types';

/**
 * The embedded default's identity provider: oidc-provider at Keycloak's realm paths, with a
 * development "GitHub" page in place of the GitHub identity provider. Tokens carry the claims
 * a Keycloak realm with the nanopod mappers issues (realm_access.roles, github_login/github_id,
 * azp, aud), so the platform treats both the same way.
 */
@Injectable()
export class BuiltinIssuerService implements OnApplicationShutdown {
  private readonly logger = new Logger(BuiltinIssuerService.name);
  private provider?: Promise<OidcProviderInstance>;
  /** Profiles typed on the development GitHub page, by subject (the issuer's own user store). */
  private readonly profiles = new Map<string, DevGithubProfile>();
  private readonly adapterScope = randomBytes(8).toString('hex');

  constructor(@Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig) {}

  get enabled(): boolean {
    return this.config.oidc.builtin;
  }

  /** Where the realm is mounted: the issuer URL's path, `/realms/nanopod`. */
  get mountPath(): string {
    return new URL(this.config.oidc.issuer).pathname.replace(/\/+$/, '');
  }

  /**
   * Express middleware serving the realm. Mount it before any body parser: oidc-provider reads
   * its own request bodies.
   */
  handler(): RequestHandler {
    const router = express.Router();
    const form = express.urlencoded({ extended: false, limit: '16kb' });
    const wrap =
      (fn: (req: Request, res: Response, p: OidcProviderInstance) => Promise<void>) =>
      (req: Request, res: Response, next: NextFunction) => {
        this.instance()
          .then((p) => fn(req, res, p))
          .catch(next);
      };
    router.get(
      '/login-actions/:uid',
      wrap((req, res, p) => this.interaction(req, res, p)),
    );
    router.get(
      '/login-actions/:uid/github',
      wrap((req, res, p) => this.githubPage(req, res, p)),
    );
    router.post(
      '/login-actions/:uid/github',
      form,
      wrap((req, res, p) => this.githubSubmit(req, res, p)),
    );
    router.use(
      wrap(async (req, res, p) => {
        p.callback()(req, res);
      }),
    );
    router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      const message = (err as Error).message ?? String(err);
      const status = /interaction session not found|session/i.test(message) ? 400 : 500;
      if (status === 500) this.logger.error({ err: message }, 'built-in issuer failed');
      res
        .status(status)
        .type('html')
        .send(
          messagePage(
            'Sign-in failed',
            status === 400 ? 'The sign-in expired; start again.' : 'Something went wrong.',
          ),
        );
    });
    return router;
  }

  private instance(): Promise<OidcProviderInstance> {
    this.provider ??= this.build().catch((err: unknown) => {
      this.provider = undefined;
      throw err;
    });
    return this.provider;
  }

  async onApplicationShutdown(): Promise<void> {
    this.profiles.clear();
    dropMemoryAdapter(this.adapterScope);
  }

  private rolesFor(profile: DevGithubProfile): string[] {
    return this.config.adminGithubLogins.includes(profile.login.toLowerCase())
      ? ['admin', 'default-roles-nanopod', 'developer']
      : ['default-roles-nanopod', 'developer'];
  }

  private claimsFor(profile: DevGithubProfile): Record<string, unknown> {
    return {
      sub: profile.sub,
      preferred_username: profile.login.toLowerCase(),
      name: profile.name,
      email: profile.email,
      email_verified: false,
      picture: profile.avatarUrl,
      github_login: profile.login,
      github_id: profile.githubId,
      realm_access: { roles: this.rolesFor(profile) },
    };
  }

  private async build(): Promise<OidcProviderInstance> {
    const Provider = loadOidcProvider();
    const { oidc, dataDir } = this.config;
    const keys = await loadIssuerKeys(dataDir, oidc.keysFile);
    const provider = new Provider(
      oidc.issuer,
      issuerConfiguration({
        config: this.config,
        keys,
        mountPath: this.mountPath,
        adapter: memoryAdapterClass(this.adapterScope),
        claimsFor: (sub: string) => {
          const profile = this.profiles.get(sub);
          return profile ? this.claimsFor(profile) : undefined;
        },
      }),
    );
    provider.proxy = true;
    provider.on('server_error', (_ctx: unknown, err: unknown) =>
      this.logger.error({ err: (err as Error).message }, 'built-in issuer error'),
    );
    return provider;
  }

  /** Keycloak's login page, or straight to the identity provider with kc_idp_hint=github. */
  private async interaction(req: Request, res: Response, p: OidcProviderInstance): Promise<void> {
    const details = await p.interactionDetails(req, res);
    const base = `${this.mountPath}/login-actions/${details.uid}`;
    if (details.prompt.name === 'login') {
      if (details.params.kc_idp_hint === 'github') {
        res.redirect(303, `${base}/github`);
        return;
      }
      res.type('html').send(realmLoginPage(`${base}/github`));
      return;
    }
    // Any other prompt (consent) is granted by loadExistingGrant; finish it as is.
    await p.interactionFinished(req, res, { consent: {} }, { mergeWithLastSubmission: true });
  }

  private async githubPage(req: Request, res: Response, p: OidcProviderInstance): Promise<void> {
    const details = await p.interactionDetails(req, res);
    const action = `${this.mountPath}/login-actions/${details.uid}/github`;
    const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : '';
    res.type('html').send(githubDevPage(action, { login: hint }));
  }

  private async githubSubmit(req: Request, res: Response, p: OidcProviderInstance): Promise<void> {
    const details = await p.interactionDetails(req, res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
    const values = { login: str(body.login), name: str(body.name), email: str(body.email) };
    const action = `${this.mountPath}/login-actions/${details.uid}/github`;
    if (!GITHUB_LOGIN.test(values.login)) {
      res
        .status(400)
        .type('html')
        .send(
          githubDevPage(action, values, 'Type a GitHub login (letters, digits, inner hyphens).'),
        );
      return;
    }
    if (values.email && !/^[^\s@]+@[^\s@]+$/.test(values.email)) {
      res
        .status(400)
        .type('html')
        .send(githubDevPage(action, values, 'That email is not valid.'));
      return;
    }
    if (values.name.length > 200) {
      res
        .status(400)
        .type('html')
        .send(githubDevPage(action, values, 'That name is too long.'));
      return;
    }
    const profile = devProfile(values);
    this.profiles.set(profile.sub, profile);
    this.logger.log({ githubId: profile.githubId }, 'development GitHub sign-in');
    await p.interactionFinished(
      req,
      res,
      { login: { accountId: profile.sub, remember: true } },
      { mergeWithLastSubmission: false },
    );
  }
}
