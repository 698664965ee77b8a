export type NanopodEnv = 'development' | 'production' | 'test';

/** The typed configuration, read once at start. */
export interface NanopodConfig {
  env: NanopodEnv;
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  /** NANOPOD_SECRETS_KEY (hex or base64, 32 bytes); unset in development: one in the data dir. */
  secretsKey?: string;
  /** The /metrics listener (never the API port); null: off. */
  metrics: { host: string; port: number } | null;
  logLevel: string;
  logFormat: 'json' | 'pretty';
  /** Share of successful requests given an access log line (failures always are). */
  accessLogSample: number;
  database:
    | { kind: 'postgres'; url: string }
    | { kind: 'pglite'; dataDir: string | ':memory:'; template?: string };
  adminGithubLogins: string[];
  bootstrapKeyFile?: string;
  oidc: {
    /** Issuer URL; for the built-in issuer, `${publicUrl}/realms/nanopod`. */
    issuer: string;
    builtin: boolean;
    /** NANOPOD_OIDC_KEYS_FILE: the built-in issuer's signing keys (default: in the data dir). */
    keysFile?: string;
    clientId: string;
    clientSecret: string;
    cliClientId: string;
    audience: string;
  };
  sessionTtlHours: number;
  localNodeAgent: boolean;
  /** NANOPOD_AGENT_EGRESS_POOL for the local node agent; undefined: the agent's default (2). */
  localAgentEgressPool?: number;
  /** NANOPOD_AGENT_WARM_POOL for the local node agent; undefined: the agent's default (1). */
  localAgentWarmPool?: number;
  policiesDir: string;
  /** NANOPOD_POLICY_ALLOW_NET: hosts policies' http.send may reach ([]: none, the default). */
  policyAllowNet?: string[];
  /** NANOPOD_POLICY_BUNDLE: subsidy decisions evaluate this OPA wasm bundle when set. */
  policyBundle?: string;
  /** Retention of the policy decision log (rows beyond either limit are pruned). */
  policyDecisionLog?: { maxRows: number; maxAgeDays: number };
  /** How often node agents heartbeat; unhealthy after 2 missed, lost after 3. */
  nodeHeartbeatMs: number;
  /** After start, no node is judged on missed heartbeats for this long (agents reconnect). */
  nodeStartGraceMs: number;
  /** A node gone this long fails its sandboxes with `node_lost` (their files stay until TTL). */
  nodeLostGraceMs: number;
  /** SIGTERM/SIGINT: the longest wait for in-flight work before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** Unique per running platform process: the instance part of usage transaction ids. */
  instanceId: string;
  /** How often running sandboxes are metered (usage records), besides every state change. */
  sandboxUsageIntervalMs: number;
  /** Per-user limits across active sandboxes unless an admin set others (NANOPOD_QUOTA_*). */
  quotaDefaults: UserQuotaLimits;
  /** Billing: without `lago` the ledger works alone and usage waits in the outbox. */
  billing: {
    lago?: {
      apiUrl: string;
      apiKey: string;
      webhookHmacKey?: string;
      webhookPublicKey?: string;
      timeoutMs: number;
    };
    shipIntervalMs: number;
    /** Credits granted once per user (welcome:<userId>); 0 disables. */
    welcomeCredits?: number;
    /** Flush period of the api_requests meter. */
    apiMeterFlushMs?: number;
  };
  /** The APISIX gateway in front (libs/gateway): where to sync, what to point it at. */
  gateway: {
    /** The Admin API; unset: no sync (the platform checks API keys itself). */
    apisix?: { adminUrl: string; adminKey: string; timeoutMs: number };
    /** The platform replicas APISIX balances over (`host:port`). */
    platformNodes: string[];
    /** What APISIX's forward-auth plugin calls. */
    authUrl: string;
    syncIntervalMs: number;
  };
  /** Reputation sources: a source without its URL (the embedded default) is `unknown`, not_configured. */
  reputation?: {
    github: { apiUrl?: string; token?: string };
    passport: { apiUrl?: string; apiKey?: string; scorerId?: string };
    /** Per-request timeout and the longest rate-limit wait before a source counts as unknown. */
    httpTimeoutMs: number;
    maxRateLimitWaitMs: number;
    /** The scheduled refresh loop's period, and the age after which a score is refreshed. */
    refreshIntervalMs: number;
    staleAfterMs: number;
    /** On-demand refresh: at most once per this period per user. */
    refreshCooldownMs: number;
  };
}

export const NANOPOD_CONFIG = Symbol('NANOPOD_CONFIG');

export interface UserQuotaLimits {
  sandboxes: number;
  cpu: number;
  memoryMb: number;
  gpus: number;
}
