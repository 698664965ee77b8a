import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError as ClassValidationError } from 'class-validator';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { EnvSchema } from './env.schema';
import { projectRoot } from './project-root';
import { decodeSecretsKey } from '../secrets/secret-box';
import { NanopodConfig } from './nanopod-config';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

function flatten(errors: ClassValidationError[]): string[] {
  return errors.flatMap((e) =>
    Object.values(e.constraints ?? {})
      .slice(0, 1)
      .map((m) => (m.includes(e.property) ? m : `${e.property}: ${m}`)),
  );
}

/** Reads and validates the environment once; throws ConfigError listing every problem. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): NanopodConfig {
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(source)) {
    if (key === 'PORT' || key === 'HOST' || key === 'DATABASE_URL' || key.startsWith('NANOPOD_')) {
      raw[key] = source[key] === '' ? undefined : source[key];
    }
  }
  const env = plainToInstance(EnvSchema, raw);
  const problems = flatten(validateSync(env, { whitelist: false }));
  const nodeEnv = env.NANOPOD_ENV ?? 'development';
  const builtinRequested =
    env.NANOPOD_BUILTIN_ISSUER === undefined ? undefined : env.NANOPOD_BUILTIN_ISSUER === 'true';
  const builtin = !env.NANOPOD_OIDC_ISSUER && (builtinRequested ?? nodeEnv !== 'production');
  if (nodeEnv === 'production' && !env.NANOPOD_OIDC_ISSUER && !builtin) {
    problems.push(
      'NANOPOD_OIDC_ISSUER is required in production (or set NANOPOD_BUILTIN_ISSUER=true to run the development issuer, which is not for real users)',
    );
  }
  if (nodeEnv === 'production' && !env.NANOPOD_PUBLIC_URL) {
    problems.push(
      'NANOPOD_PUBLIC_URL is required in production (the URL users reach the platform at)',
    );
  }
  if (env.NANOPOD_SECRETS_KEY && !decodeSecretsKey(env.NANOPOD_SECRETS_KEY)) {
    problems.push('NANOPOD_SECRETS_KEY must be 32 bytes as 64 hex digits or base64');
  }
  if (nodeEnv === 'production' && !env.NANOPOD_SECRETS_KEY) {
    problems.push(
      'NANOPOD_SECRETS_KEY is required in production (32 random bytes, e.g. `openssl rand -base64 32`): it encrypts sandbox env values at rest',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const port = env.PORT ?? 8080;
  const host = env.HOST ?? '127.0.0.1';
  const publicUrl = (env.NANOPOD_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const dataDir = env.NANOPOD_DATA_DIR ?? '.nanopod';
  const clientId = env.NANOPOD_OIDC_CLIENT_ID ?? 'nanopod-platform';
  return {
    env: nodeEnv,
    port,
    host,
    publicUrl,
    dataDir,
    secretsKey: env.NANOPOD_SECRETS_KEY,
    // Tests boot many platforms at once: there the listener takes any free port.
    metrics:
      env.NANOPOD_METRICS_PORT === 'off'
        ? null
        : {
            host: env.NANOPOD_METRICS_HOST ?? '127.0.0.1',
            port: Number(env.NANOPOD_METRICS_PORT ?? (nodeEnv === 'test' ? 0 : 9464)),
          },
    logLevel: env.NANOPOD_LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    logFormat: env.NANOPOD_LOG_FORMAT ?? 'json',
    accessLogSample: env.NANOPOD_ACCESS_LOG_SAMPLE ?? 1,
    database: env.DATABASE_URL
      ? { kind: 'postgres', url: env.DATABASE_URL }
      : {
          kind: 'pglite',
          dataDir: dataDir === ':memory:' ? ':memory:' : path.resolve(dataDir, 'pgdata'),
          template: dataDir === ':memory:' ? env.NANOPOD_PGLITE_TEMPLATE : undefined,
        },
    adminGithubLogins: (env.NANOPOD_ADMIN_GITHUB_LOGINS ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
    bootstrapKeyFile: env.NANOPOD_BOOTSTRAP_KEY_FILE,
    oidc: {
      issuer: (env.NANOPOD_OIDC_ISSUER ?? `${publicUrl}/realms/nanopod`).replace(/\/+$/, ''),
      builtin,
      keysFile: env.NANOPOD_OIDC_KEYS_FILE,
      clientId,
      // The built-in issuer's client secret only has to be shared with this process.
      clientSecret: env.NANOPOD_OIDC_CLIENT_SECRET ?? randomBytes(32).toString('base64url'),
      cliClientId: env.NANOPOD_OIDC_CLI_CLIENT_ID ?? 'nanopod-cli',
      audience: env.NANOPOD_OIDC_AUDIENCE ?? clientId,
    },
    sessionTtlHours: env.NANOPOD_SESSION_TTL_HOURS ?? 24 * 7,
    localNodeAgent:
      env.NANOPOD_LOCAL_NODE_AGENT === undefined
        ? nodeEnv === 'development'
        : env.NANOPOD_LOCAL_NODE_AGENT === 'true',
    localAgentEgressPool: env.NANOPOD_AGENT_EGRESS_POOL,
    localAgentWarmPool: env.NANOPOD_AGENT_WARM_POOL,
    policiesDir: env.NANOPOD_POLICIES_DIR ?? path.join(projectRoot(), 'policies'),
    policyAllowNet: (env.NANOPOD_POLICY_ALLOW_NET ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean),
    policyBundle: env.NANOPOD_POLICY_BUNDLE ? path.resolve(env.NANOPOD_POLICY_BUNDLE) : undefined,
    policyDecisionLog: {
      maxRows: env.NANOPOD_POLICY_DECISION_LOG_MAX_ROWS ?? 10_000,
      maxAgeDays: env.NANOPOD_POLICY_DECISION_LOG_MAX_AGE_DAYS ?? 30,
    },
    nodeHeartbeatMs: env.NANOPOD_NODE_HEARTBEAT_MS ?? 5000,
    // Agents back off up to 10 s (+20% jitter) between reconnects: give them that and a bit.
    nodeStartGraceMs:
      env.NANOPOD_NODE_START_GRACE_MS ??
      Math.max(15_000, 3 * (env.NANOPOD_NODE_HEARTBEAT_MS ?? 5000)),
    nodeLostGraceMs: env.NANOPOD_NODE_LOST_GRACE_MS ?? 120_000,
    shutdownTimeoutMs: env.NANOPOD_SHUTDOWN_TIMEOUT_MS ?? 8000,
    instanceId:
      env.NANOPOD_INSTANCE_ID ??
      `${hostname()
        .replace(/[^A-Za-z0-9._-]/g, '-')
        .slice(0, 32)}-${process.pid}-${randomBytes(4).toString('hex')}`,
    sandboxUsageIntervalMs: env.NANOPOD_SANDBOX_USAGE_INTERVAL_MS ?? 60000,
    quotaDefaults: {
      sandboxes: env.NANOPOD_QUOTA_SANDBOXES ?? 20,
      cpu: env.NANOPOD_QUOTA_CPU ?? 32,
      memoryMb: env.NANOPOD_QUOTA_MEMORY_MB ?? 65536,
      gpus: env.NANOPOD_QUOTA_GPUS ?? 8,
    },
    billing: {
      lago: env.NANOPOD_LAGO_API_URL
        ? {
            apiUrl: env.NANOPOD_LAGO_API_URL.replace(/\/+$/, ''),
            apiKey: env.NANOPOD_LAGO_API_KEY ?? '',
            webhookHmacKey: env.NANOPOD_LAGO_WEBHOOK_SECRET,
            webhookPublicKey: env.NANOPOD_LAGO_WEBHOOK_PUBLIC_KEY,
            timeoutMs: env.NANOPOD_LAGO_TIMEOUT_MS ?? 10_000,
          }
        : undefined,
      shipIntervalMs: env.NANOPOD_BILLING_SHIP_INTERVAL_MS ?? 2000,
      welcomeCredits: env.NANOPOD_WELCOME_CREDITS ?? 500,
      apiMeterFlushMs: env.NANOPOD_API_METER_FLUSH_MS ?? 1000,
    },
    gateway: gatewayConfig(env, port),
    reputation: {
      github: {
        apiUrl: env.NANOPOD_GITHUB_API_URL?.replace(/\/+$/, ''),
        token: env.NANOPOD_GITHUB_TOKEN,
      },
      passport: {
        apiUrl: env.NANOPOD_PASSPORT_API_URL?.replace(/\/+$/, ''),
        apiKey: env.NANOPOD_PASSPORT_API_KEY,
        scorerId: env.NANOPOD_PASSPORT_SCORER_ID,
      },
      httpTimeoutMs: env.NANOPOD_REPUTATION_HTTP_TIMEOUT_MS ?? 10_000,
      maxRateLimitWaitMs: env.NANOPOD_REPUTATION_MAX_RATE_LIMIT_WAIT_MS ?? 30_000,
      refreshIntervalMs: env.NANOPOD_REPUTATION_REFRESH_INTERVAL_MS ?? 15 * 60_000,
      staleAfterMs: env.NANOPOD_REPUTATION_STALE_AFTER_MS ?? 24 * 3600_000,
      refreshCooldownMs: env.NANOPOD_REPUTATION_REFRESH_COOLDOWN_MS ?? 60_000,
    },
  };
}

function gatewayConfig(env: EnvSchema, port: number): NanopodConfig['gateway'] {
  const nodes = env.NANOPOD_GATEWAY_PLATFORM_NODES?.split(',') ?? [
    `${env.HOST ?? '127.0.0.1'}:${port}`,
  ];
  return {
    apisix: env.NANOPOD_APISIX_ADMIN_URL
      ? {
          adminUrl: env.NANOPOD_APISIX_ADMIN_URL.replace(/\/+$/, ''),
          adminKey: env.NANOPOD_APISIX_ADMIN_KEY ?? '',
          timeoutMs: 5000,
        }
      : undefined,
    platformNodes: nodes,
    authUrl: env.NANOPOD_GATEWAY_AUTH_URL ?? `http://${nodes[0]}/gateway/auth`,
    syncIntervalMs: env.NANOPOD_GATEWAY_SYNC_MS ?? 1000,
  };
}
