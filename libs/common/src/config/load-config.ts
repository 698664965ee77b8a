import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError as ClassValidationError } from 'class-validator';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { EnvSchema } from './env.schema';
import { projectRoot } from './project-root';
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
    logLevel: env.NANOPOD_LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    database: env.DATABASE_URL
      ? { kind: 'postgres', url: env.DATABASE_URL }
      : {
          kind: 'pglite',
          dataDir: dataDir === ':memory:' ? ':memory:' : path.resolve(dataDir, 'pgdata'),
        },
    adminGithubLogins: (env.NANOPOD_ADMIN_GITHUB_LOGINS ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
    bootstrapKeyFile: env.NANOPOD_BOOTSTRAP_KEY_FILE,
    oidc: {
      issuer: (env.NANOPOD_OIDC_ISSUER ?? `${publicUrl}/realms/nanopod`).replace(/\/+$/, ''),
      builtin,
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
    policiesDir: env.NANOPOD_POLICIES_DIR ?? path.join(projectRoot(), 'policies'),
  };
}
