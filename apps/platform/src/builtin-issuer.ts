import type { INestApplication } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import type { NanopodConfig } from '@nanopod/common';
import { BuiltinIssuerService } from '@nanopod/identity';

/**
 * The embedded default's realm at Keycloak's paths. Mounted before the body parsers of
 * configureHttpApp: oidc-provider reads its own request bodies.
 */
export function mountBuiltinIssuer(app: INestApplication, config: NanopodConfig): void {
  if (!config.oidc.builtin) return;
  const issuer = app.get(BuiltinIssuerService);
  if (config.env === 'production') {
    new Logger('BuiltinIssuer').warn(
      'NANOPOD_BUILTIN_ISSUER=true in production: anyone can sign in as any GitHub login; use a Keycloak realm for real users',
    );
  }
  app.use(issuer.mountPath, issuer.handler());
}
