import { Transform } from 'class-transformer';
import {
  IsBooleanString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';

/**
 * Every environment variable the platform reads, validated once at start. Defaults make
 * `npm start` work with nothing set.
 */
export class EnvSchema {
  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'PORT must be an integer between 0 and 65535' })
  @Min(0, { message: 'PORT must be an integer between 0 and 65535' })
  @Max(65535, { message: 'PORT must be an integer between 0 and 65535' })
  PORT?: number;

  @IsOptional()
  @IsString()
  HOST?: string;

  @IsOptional()
  @IsIn(['development', 'production', 'test'], {
    message: 'NANOPOD_ENV must be development, production or test',
  })
  NANOPOD_ENV?: 'development' | 'production' | 'test';

  @IsOptional()
  @IsString()
  @MinLength(1)
  NANOPOD_DATA_DIR?: string;

  /**
   * A PGlite data-directory dump (`PGlite.dumpDataDir`) an in-memory embedded database starts
   * from instead of running initdb and every migration: tests clone one migrated template.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  NANOPOD_PGLITE_TEMPLATE?: string;

  /** The built-in issuer's signing keys, as JSON (made there on first start, mode 0600). */
  @IsOptional()
  @IsString()
  @MinLength(1)
  NANOPOD_OIDC_KEYS_FILE?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, {
    message: 'DATABASE_URL must be a postgres:// or postgresql:// URL',
  })
  DATABASE_URL?: string;

  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    {
      message: 'NANOPOD_PUBLIC_URL must be an http(s) URL such as http://localhost:8080',
    },
  )
  NANOPOD_PUBLIC_URL?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9-]+(\s*,\s*[A-Za-z0-9-]+)*$/, {
    message: 'NANOPOD_ADMIN_GITHUB_LOGINS must be a comma-separated list of GitHub logins',
  })
  NANOPOD_ADMIN_GITHUB_LOGINS?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  NANOPOD_BOOTSTRAP_KEY_FILE?: string;

  @IsOptional()
  @IsIn(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], {
    message: 'NANOPOD_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent',
  })
  NANOPOD_LOG_LEVEL?: string;

  /**
   * `json` (default: one JSON object a line, for machines) or `pretty` (one readable line per
   * entry, without Nest's start-up chatter; `npm start` picks it when stdout is a terminal).
   */
  @IsOptional()
  @IsIn(['json', 'pretty'], { message: 'NANOPOD_LOG_FORMAT must be json or pretty' })
  NANOPOD_LOG_FORMAT?: 'json' | 'pretty';

  /**
   * Share of successful requests (status below 400) whose access line is written at info
   * level, 0 to 1 (default 1: all). Failed requests are always logged.
   */
  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @Min(0, { message: 'NANOPOD_ACCESS_LOG_SAMPLE must be a number from 0 to 1' })
  @Max(1, { message: 'NANOPOD_ACCESS_LOG_SAMPLE must be a number from 0 to 1' })
  NANOPOD_ACCESS_LOG_SAMPLE?: number;

  /** External OIDC issuer (a Keycloak realm URL). Unset: the built-in issuer. */
  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    {
      message:
        'NANOPOD_OIDC_ISSUER must be the realm URL, e.g. https://keycloak.example.com/realms/nanopod',
    },
  )
  NANOPOD_OIDC_ISSUER?: string;

  @IsOptional()
  @IsString()
  NANOPOD_OIDC_CLIENT_ID?: string;

  @ValidateIf((env: EnvSchema) => !!env.NANOPOD_OIDC_ISSUER)
  @IsString({ message: 'NANOPOD_OIDC_CLIENT_SECRET is required when NANOPOD_OIDC_ISSUER is set' })
  @MinLength(1, {
    message: 'NANOPOD_OIDC_CLIENT_SECRET is required when NANOPOD_OIDC_ISSUER is set',
  })
  NANOPOD_OIDC_CLIENT_SECRET?: string;

  @IsOptional()
  @IsString()
  NANOPOD_OIDC_AUDIENCE?: string;

  @IsOptional()
  @IsString()
  NANOPOD_OIDC_CLI_CLIENT_ID?: string;

  /** The built-in issuer runs by default in development and only when this is "true" in production. */
  @IsOptional()
  @IsBooleanString({ message: 'NANOPOD_BUILTIN_ISSUER must be true or false' })
  NANOPOD_BUILTIN_ISSUER?: string;

  @IsOptional()
  @IsBooleanString({ message: 'NANOPOD_LOCAL_NODE_AGENT must be true or false' })
  NANOPOD_LOCAL_NODE_AGENT?: string;

  /** Egress network namespaces the local node agent keeps ready (0: off); as for any agent. */
  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_AGENT_EGRESS_POOL must be a whole number' })
  @Min(0, { message: 'NANOPOD_AGENT_EGRESS_POOL must be at least 0' })
  @Max(64, { message: 'NANOPOD_AGENT_EGRESS_POOL must be at most 64' })
  NANOPOD_AGENT_EGRESS_POOL?: number;

  /** Warm sandboxes the local node agent keeps ready (0: off); as for any agent. */
  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_AGENT_WARM_POOL must be a whole number' })
  @Min(0, { message: 'NANOPOD_AGENT_WARM_POOL must be at least 0' })
  @Max(16, { message: 'NANOPOD_AGENT_WARM_POOL must be at most 16' })
  NANOPOD_AGENT_WARM_POOL?: number;

  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_SESSION_TTL_HOURS must be a whole number of hours' })
  @Min(1, { message: 'NANOPOD_SESSION_TTL_HOURS must be at least 1' })
  NANOPOD_SESSION_TTL_HOURS?: number;

  @IsOptional()
  @IsString()
  NANOPOD_POLICIES_DIR?: string;

  /**
   * Hosts the policies' `http.send` and `net.lookup_ip_addr` may reach (OPA's `allow_net`),
   * comma-separated exact host names or IPs; `*` for any. Unset: no network at all.
   */
  @IsOptional()
  @IsString()
  @Matches(/^\s*(\*|[A-Za-z0-9.:\-[\]]+)(\s*,\s*(\*|[A-Za-z0-9.:\-[\]]+))*\s*$/, {
    message:
      'NANOPOD_POLICY_ALLOW_NET must be comma-separated host names or IPs (or *), e.g. api.example.org,10.0.0.5',
  })
  NANOPOD_POLICY_ALLOW_NET?: string;

  /** A compiled OPA bundle (bundle.tar.gz, `opa build -t wasm`); unset: the in-process engine. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  NANOPOD_POLICY_BUNDLE?: string;

  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_POLICY_DECISION_LOG_MAX_ROWS must be a whole number' })
  @Min(100, { message: 'NANOPOD_POLICY_DECISION_LOG_MAX_ROWS must be at least 100' })
  NANOPOD_POLICY_DECISION_LOG_MAX_ROWS?: number;

  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_POLICY_DECISION_LOG_MAX_AGE_DAYS must be a whole number of days' })
  @Min(1, { message: 'NANOPOD_POLICY_DECISION_LOG_MAX_AGE_DAYS must be at least 1' })
  NANOPOD_POLICY_DECISION_LOG_MAX_AGE_DAYS?: number;

  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_NODE_HEARTBEAT_MS must be a whole number of milliseconds' })
  @Min(50, { message: 'NANOPOD_NODE_HEARTBEAT_MS must be at least 50' })
  NANOPOD_NODE_HEARTBEAT_MS?: number;

  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_SANDBOX_USAGE_INTERVAL_MS must be a whole number of milliseconds' })
  @Min(100, { message: 'NANOPOD_SANDBOX_USAGE_INTERVAL_MS must be at least 100' })
  NANOPOD_SANDBOX_USAGE_INTERVAL_MS?: number;

  /** Default per-user limit of active sandboxes (admins may override per user). */
  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_QUOTA_SANDBOXES must be a whole number' })
  @Min(0, { message: 'NANOPOD_QUOTA_SANDBOXES must be at least 0' })
  NANOPOD_QUOTA_SANDBOXES?: number;

  /** Port of the /metrics listener (not the API port); `off` disables it. Default 9464. */
  @IsOptional()
  @Matches(/^(off|\d{1,5})$/, { message: 'NANOPOD_METRICS_PORT must be a port number or off' })
  NANOPOD_METRICS_PORT?: string;

  /** Address of the /metrics listener; loopback unless a scraper elsewhere needs it. */
  @IsOptional()
  @IsString()
  NANOPOD_METRICS_HOST?: string;

  /** AES-256-GCM key sealing sandbox env values at rest (64 hex digits or base64 of 32 bytes). */
  @IsOptional()
  @IsString()
  NANOPOD_SECRETS_KEY?: string;

  /** Default per-user limit of CPU across active sandboxes. */
  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_QUOTA_CPU must be a whole number' })
  @Min(0, { message: 'NANOPOD_QUOTA_CPU must be at least 0' })
  NANOPOD_QUOTA_CPU?: number;

  /** Default per-user limit of memory (MB) across active sandboxes. */
  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_QUOTA_MEMORY_MB must be a whole number' })
  @Min(0, { message: 'NANOPOD_QUOTA_MEMORY_MB must be at least 0' })
  NANOPOD_QUOTA_MEMORY_MB?: number;

  /** Default per-user limit of GPUs across active sandboxes. */
  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_QUOTA_GPUS must be a whole number' })
  @Min(0, { message: 'NANOPOD_QUOTA_GPUS must be at least 0' })
  NANOPOD_QUOTA_GPUS?: number;

  /** Lago API root (e.g. http://lago-api:3000). Unset: no Lago, usage waits in the outbox. */
  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'NANOPOD_LAGO_API_URL must be an http(s) URL such as http://lago-api:3000' },
  )
  NANOPOD_LAGO_API_URL?: string;

  @ValidateIf((env: EnvSchema) => !!env.NANOPOD_LAGO_API_URL)
  @IsString({ message: 'NANOPOD_LAGO_API_KEY is required when NANOPOD_LAGO_API_URL is set' })
  @MinLength(1, { message: 'NANOPOD_LAGO_API_KEY is required when NANOPOD_LAGO_API_URL is set' })
  NANOPOD_LAGO_API_KEY?: string;

  /** HMAC key of Lago webhooks (signature_algo hmac). */
  @IsOptional()
  @IsString()
  NANOPOD_LAGO_WEBHOOK_SECRET?: string;

  /** Lago's webhook public key (PEM, or base64 of the PEM as Lago serves it) for JWT signatures. */
  @IsOptional()
  @IsString()
  NANOPOD_LAGO_WEBHOOK_PUBLIC_KEY?: string;

  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_LAGO_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(100, { message: 'NANOPOD_LAGO_TIMEOUT_MS must be at least 100' })
  NANOPOD_LAGO_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_BILLING_SHIP_INTERVAL_MS must be a whole number of milliseconds' })
  @Min(10, { message: 'NANOPOD_BILLING_SHIP_INTERVAL_MS must be at least 10' })
  NANOPOD_BILLING_SHIP_INTERVAL_MS?: number;

  /** Credits (cents) every new user gets once, from the subsidy pool. Default 500 ($5); 0 disables. */
  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_WELCOME_CREDITS must be a whole number of credits' })
  @Min(0, { message: 'NANOPOD_WELCOME_CREDITS must be 0 (disabled) or more' })
  NANOPOD_WELCOME_CREDITS?: number;

  /** How often per-user api_requests counts are written as usage (default 1 s: a crash loses at most that). */
  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_API_METER_FLUSH_MS must be a whole number of milliseconds' })
  @Min(100, { message: 'NANOPOD_API_METER_FLUSH_MS must be at least 100' })
  NANOPOD_API_METER_FLUSH_MS?: number;

  /** APISIX Admin API root (e.g. http://apisix:9180). Unset: nothing is synced to a gateway. */
  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'NANOPOD_APISIX_ADMIN_URL must be an http(s) URL such as http://apisix:9180' },
  )
  NANOPOD_APISIX_ADMIN_URL?: string;

  @ValidateIf((env: EnvSchema) => !!env.NANOPOD_APISIX_ADMIN_URL)
  @IsString({
    message: 'NANOPOD_APISIX_ADMIN_KEY is required when NANOPOD_APISIX_ADMIN_URL is set',
  })
  @MinLength(1, {
    message: 'NANOPOD_APISIX_ADMIN_KEY is required when NANOPOD_APISIX_ADMIN_URL is set',
  })
  NANOPOD_APISIX_ADMIN_KEY?: string;

  /** The platform replicas APISIX balances over, as `host:port,host:port` (default: HOST:PORT). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9.-]+:\d{1,5}(,[A-Za-z0-9.-]+:\d{1,5})*$/, {
    message: 'NANOPOD_GATEWAY_PLATFORM_NODES must be host:port pairs separated by commas',
  })
  NANOPOD_GATEWAY_PLATFORM_NODES?: string;

  /** The URL APISIX's forward-auth calls (default: http://<first platform node>/gateway/auth). */
  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'NANOPOD_GATEWAY_AUTH_URL must be an http(s) URL' },
  )
  NANOPOD_GATEWAY_AUTH_URL?: string;

  /** How often the gateway reconciler compares APISIX with the platform (default 1000 ms). */
  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_GATEWAY_SYNC_MS must be a whole number of milliseconds' })
  @Min(100, { message: 'NANOPOD_GATEWAY_SYNC_MS must be at least 100' })
  NANOPOD_GATEWAY_SYNC_MS?: number;

  /** How long a stopping platform waits for in-flight work before it exits anyway (SIGTERM/SIGINT). */
  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(100, { message: 'NANOPOD_SHUTDOWN_TIMEOUT_MS must be at least 100' })
  // The process is gone 1 s after the budget: with 8 s that stays under a 10 s stop.
  @Max(8000, { message: 'NANOPOD_SHUTDOWN_TIMEOUT_MS must be at most 8000' })
  NANOPOD_SHUTDOWN_TIMEOUT_MS?: number;

  /** After the platform starts, nodes are not judged on heartbeats for this long (agents reconnect). */
  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_NODE_START_GRACE_MS must be a whole number of milliseconds' })
  @Min(0, { message: 'NANOPOD_NODE_START_GRACE_MS must be at least 0' })
  NANOPOD_NODE_START_GRACE_MS?: number;

  /** How long a node must be gone before its sandboxes fail with `node_lost`. */
  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_NODE_LOST_GRACE_MS must be a whole number of milliseconds' })
  @Min(0, { message: 'NANOPOD_NODE_LOST_GRACE_MS must be at least 0' })
  NANOPOD_NODE_LOST_GRACE_MS?: number;

  /** This replica's name in usage transaction ids; default: hostname, pid and a random part. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, {
    message: 'NANOPOD_INSTANCE_ID must be 1-64 letters, digits, dots, dashes or underscores',
  })
  NANOPOD_INSTANCE_ID?: string;

  /** GitHub REST root for reputation analytics (e.g. the public API). Unset: GitHub part unknown. */
  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'NANOPOD_GITHUB_API_URL must be an http(s) URL' },
  )
  NANOPOD_GITHUB_API_URL?: string;

  @IsOptional()
  @IsString()
  NANOPOD_GITHUB_TOKEN?: string;

  /** Gitcoin Passport Stamps API root. Unset: Passport part unknown. */
  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'NANOPOD_PASSPORT_API_URL must be an http(s) URL' },
  )
  NANOPOD_PASSPORT_API_URL?: string;

  @ValidateIf((env: EnvSchema) => !!env.NANOPOD_PASSPORT_API_URL)
  @IsString({
    message: 'NANOPOD_PASSPORT_API_KEY is required when NANOPOD_PASSPORT_API_URL is set',
  })
  @MinLength(1, {
    message: 'NANOPOD_PASSPORT_API_KEY is required when NANOPOD_PASSPORT_API_URL is set',
  })
  NANOPOD_PASSPORT_API_KEY?: string;

  @ValidateIf((env: EnvSchema) => !!env.NANOPOD_PASSPORT_API_URL)
  @Matches(/^[0-9]+$/, {
    message:
      'NANOPOD_PASSPORT_SCORER_ID is required when NANOPOD_PASSPORT_API_URL is set (an integer)',
  })
  NANOPOD_PASSPORT_SCORER_ID?: string;

  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({
    message: 'NANOPOD_REPUTATION_REFRESH_INTERVAL_MS must be a whole number of milliseconds',
  })
  @Min(100, { message: 'NANOPOD_REPUTATION_REFRESH_INTERVAL_MS must be at least 100' })
  NANOPOD_REPUTATION_REFRESH_INTERVAL_MS?: number;

  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_REPUTATION_STALE_AFTER_MS must be a whole number of milliseconds' })
  @Min(1000, { message: 'NANOPOD_REPUTATION_STALE_AFTER_MS must be at least 1000' })
  NANOPOD_REPUTATION_STALE_AFTER_MS?: number;

  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({
    message: 'NANOPOD_REPUTATION_REFRESH_COOLDOWN_MS must be a whole number of milliseconds',
  })
  @Min(0, { message: 'NANOPOD_REPUTATION_REFRESH_COOLDOWN_MS must be at least 0' })
  NANOPOD_REPUTATION_REFRESH_COOLDOWN_MS?: number;

  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_REPUTATION_HTTP_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(100, { message: 'NANOPOD_REPUTATION_HTTP_TIMEOUT_MS must be at least 100' })
  NANOPOD_REPUTATION_HTTP_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({
    message: 'NANOPOD_REPUTATION_MAX_RATE_LIMIT_WAIT_MS must be a whole number of milliseconds',
  })
  @Min(0, { message: 'NANOPOD_REPUTATION_MAX_RATE_LIMIT_WAIT_MS must be at least 0' })
  NANOPOD_REPUTATION_MAX_RATE_LIMIT_WAIT_MS?: number;
}
