import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AgentOperationError } from './runtime-driver';

/** Inside the sandbox: the env file bwrap copies from fd 3, and the seccomp program's fd. */
export const ENV_FD = 3;
export const SECCOMP_FD = 4;
export const INNER_ENV_PATH = '/run/nanopod/env';

/**
 * The first process of every exec, run by the spawn helper (as root when the agent is): joins
 * the sandbox's cgroups with its own pid (so all it becomes is charged there), opens the env
 * file and the seccomp program as fds 3 and 4 (root-only files, opened before the uid drop),
 * deletes the env file, and execs the rest of the chain (nsenter/setpriv/prlimit/bwrap).
 * Parameters: env file, seccomp file ('' for none), cgroup.procs files (space-separated),
 * then the command. Exit 125 says the launcher itself failed.
 */
export const OUTER_LAUNCHER = [
  'e=$1; s=$2; g=$3; shift 3',
  'for f in $g; do echo $$ > "$f" || exit 125; done',
  'exec 3<"$e" || exit 125',
  'rm -f "$e"',
  'if [ -n "$s" ]; then exec 4<"$s" || exit 125; fi',
  'exec "$@"',
].join('\n');

/**
 * The last step inside the sandbox: the environment comes from the file bwrap put at
 * INNER_ENV_PATH (never argv, so no `ps` shows it), then the command replaces the shell.
 */
export const INNER_LAUNCHER = `. ${INNER_ENV_PATH} && exec "$@"`;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `export K='v'` lines; a single quote inside a value is closed, escaped and reopened. */
export function envScript(env: Record<string, string>): string {
  let out = '';
  for (const [key, value] of Object.entries(env)) {
    if (!NAME.test(key) || typeof value !== 'string' || value.includes('\0')) {
      throw new AgentOperationError('agent.path_invalid', `invalid environment variable "${key}"`);
    }
    out += `export ${key}='${value.replace(/'/g, `'\\''`)}'\n`;
  }
  return out;
}

/** Writes one exec's env file (0600 in a 0700 dir); the launcher deletes it once opened. */
export function writeEnvFile(runDir: string, env: Record<string, string>): string {
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const path = join(runDir, `${randomBytes(12).toString('hex')}.env`);
  writeFileSync(path, envScript(env), { mode: 0o600, flag: 'wx' });
  return path;
}
