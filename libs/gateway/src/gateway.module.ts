import { Module } from '@nestjs/common';
import { NANOPOD_CONFIG, NanopodConfig } from '@nanopod/common';
import { IdentityModule } from '@nanopod/identity';
import { PolicyModule } from '@nanopod/policy';
import { ApisixAdminClient } from './adapters/apisix-admin.client';
import { ForwardAuthController } from './controllers/forward-auth.controller';
import { GatewayAdminController } from './controllers/gateway-admin.controller';
import { APISIX_ADMIN } from './ports/apisix-admin.port';
import { GatewayServiceRegistry } from './ports/gateway-service-source';
import { ForwardAuthService } from './services/forward-auth.service';
import { GatewaySyncService } from './services/gateway-sync.service';
import { RateTiersService } from './services/rate-tiers.service';

/**
 * APISIX in front of the platform: the forward-auth endpoint APISIX calls on every request,
 * the reconciler that keeps APISIX's routes and upstreams equal to the platform's, and the
 * standalone export. Services reach it through `GatewayServiceRegistry` (a port the app binds).
 */
@Module({
  imports: [IdentityModule, PolicyModule],
  controllers: [ForwardAuthController, GatewayAdminController],
  providers: [
    GatewayServiceRegistry,
    RateTiersService,
    ForwardAuthService,
    GatewaySyncService,
    {
      provide: APISIX_ADMIN,
      inject: [NANOPOD_CONFIG],
      useFactory: (config: NanopodConfig) =>
        config.gateway.apisix
          ? new ApisixAdminClient(
              config.gateway.apisix.adminUrl,
              config.gateway.apisix.adminKey,
              config.gateway.apisix.timeoutMs,
            )
          : null,
    },
  ],
  exports: [GatewayServiceRegistry, GatewaySyncService, RateTiersService],
})
export class GatewayModule {}
