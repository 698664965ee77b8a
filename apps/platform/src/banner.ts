import type { NanopodConfig } from '@nanopod/common';
import * as path from 'node:path';

/**
 * What a person needs once the platform is up, in one block: where it is, where its data is,
 * how to sign in, how to stop it and how to start over. The first line stays the one-line
 * summary scripts and older notes look for ("Nanopod platform on URL (...)").
 */
export function startBanner(config: NanopodConfig, cwd: string = process.cwd()): string {
  const url = config.publicUrl;
  const identity = config.oidc.builtin ? 'built-in issuer' : config.oidc.issuer;
  const rows: [string, string][] = [
    ['Dashboard', url],
    ['API docs', `${url}/docs`],
  ];
  let reset: string;
  if (config.database.kind === 'pglite') {
    const dir = config.dataDir === ':memory:' ? null : path.resolve(cwd, config.dataDir);
    rows.push(['Data', dir ? `${dir} (embedded PostgreSQL)` : 'in memory (gone when it stops)']);
    // Relative when it is inside the current directory (the default .nanopod/), else absolute.
    const shown = dir && !path.relative(cwd, dir).startsWith('..') ? path.relative(cwd, dir) : dir;
    reset = dir
      ? `stop it, then delete ${shown}/ (every user, key, sandbox and credit)`
      : 'restart it (the data is in memory)';
  } else {
    rows.push(['Data', `PostgreSQL ${safeDatabaseName(config.database.url)}`]);
    reset = 'stop it, then drop and recreate that database';
  }
  rows.push(
    config.oidc.builtin
      ? [
          'Sign in',
          'open the dashboard, press "Sign in with GitHub" and type any login (development issuer)',
        ]
      : ['Sign in', `through ${config.oidc.issuer}`],
  );
  const admins = [
    ...(config.adminGithubLogins.length ? [config.adminGithubLogins.join(', ')] : []),
    // The platform writes it there when no admin key exists yet (NANOPOD_BOOTSTRAP_KEY_FILE).
    ...(config.bootstrapKeyFile
      ? [`an admin API key in ${path.resolve(cwd, config.bootstrapKeyFile)}`]
      : []),
  ];
  rows.push([
    'Admins',
    admins.length
      ? admins.join('; ')
      : 'none yet: set NANOPOD_ADMIN_GITHUB_LOGINS=your-login and restart',
  ]);
  rows.push(['CLI', `export NANOPOD_URL=${url}; npx nanopod login`]);
  rows.push(['Stop', 'Ctrl-C']);
  rows.push(['Reset', reset]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    '',
    `Nanopod platform on ${url} (database: ${config.database.kind}, identity: ${identity})`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    '',
  ].join('\n');
}

/** host:port/database of a PostgreSQL URL, never its password. */
function safeDatabaseName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return '(DATABASE_URL)';
  }
}
