export * from './config/nanopod-config';
export { loadConfig, ConfigError } from './config/load-config';
export { projectRoot } from './config/project-root';
export { ConfigModule } from './config/config.module';
export { SecretBox, decodeSecretsKey } from './secrets/secret-box';
export { PlatformLifecycle } from './lifecycle/platform-lifecycle';
export * from './errors/nanopod.error';
export { ErrorBodyDto, ErrorPayloadDto } from './errors/error-body.dto';
export {
  GlobalErrorFilter,
  isDatabaseUnreachable,
  loggableError,
  toErrorResponse,
} from './errors/error.filter';
export { Clock, SystemClock, ManualClock, ClockModule, systemTimers } from './clock/clock';
export type { Timers } from './clock/clock';
export { Reconciler } from './reconciler/reconciler';
export type { ReconcilerOptions } from './reconciler/reconciler';
export { startEmbeddedPostgres, EmbeddedPostgres } from './database/embedded-postgres';
export { DatabaseModule, DatabaseOptions, DATABASE_OPTIONS } from './database/database.module';
export { LeaderLock } from './leader/leader-lock';
export { loggingModule, requestIdFor } from './logging/logging.module';
export { RequestLog } from './logging/request-log';
export { prettyLine, prettyStream } from './logging/pretty-stream';
export { MetricsModule, MetricsRegistry, HttpMetrics, listenMetrics } from './metrics/metrics';
export {
  RequestObservers,
  RequestObserversModule,
  RequestObserver,
} from './http/request-observers';
export { HealthModule } from './health/health.controller';
export { configureHttpApp, JSON_BODY_LIMIT } from './http/configure-app';
export { markRawBodyRoutes, isRawBodyRoute } from './http/raw-body-routes';
export { JSON_MAX_DEPTH, JSON_MAX_VALUES, JsonBodyErrorCodes } from './http/json-shape';
export { nanopodValidationPipe } from './http/validation';
export { isUuid } from './http/name-or-id';
export { ApiErrors } from './http/api-errors.decorator';
export { ClusterBus, BusHandler, BUS_MAX_PAYLOAD_BYTES } from './bus/cluster-bus';
export { DatabaseCoreModule } from './database/database-core.module';
