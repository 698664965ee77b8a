export { GatewayModule } from './gateway.module';
export { GatewayErrorCodes } from './gateway.errors';
export { GatewayServiceRegistry } from './ports/gateway-service-source';
export type {
  GatewayService,
  GatewayServiceNode,
  GatewayServiceSource,
} from './ports/gateway-service-source';
export { GatewaySyncService } from './services/gateway-sync.service';
export type { SyncReport } from './services/gateway-sync.service';
export { RateTiersService } from './services/rate-tiers.service';
export type { GatewayConfig } from './core/apisix-config';
export { toStandaloneYaml } from './core/standalone-yaml';
export { buildDesiredConfig } from './core/desired-config';
export type { DesiredConfigInput } from './core/desired-config';
