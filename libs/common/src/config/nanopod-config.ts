export type NanopodEnv = 'development' | 'production' | 'test';

/** The typed configuration, read once at start. */
export interface NanopodConfig {
  env: NanopodEnv;
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  logLevel: string;
  database: { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string | ':memory:' };
  adminGithubLogins: string[];
  bootstrapKeyFile?: string;
  oidc: {
    /** Issuer URL; for the built-in issuer, `${publicUrl}/realms/nanopod`. */
    issuer: string;
    builtin: boolean;
    clientId: string;
    clientSecret: string;
    cliClientId: string;
    audience: string;
  };
  sessionTtlHours: number;
  localNodeAgent: boolean;
  policiesDir: string;
}

export const NANOPOD_CONFIG = Symbol('NANOPOD_CONFIG');
