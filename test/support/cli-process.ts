import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');
/** bin/nanopod.js on the CLI the global setup built (.test-build/). */
export const NANOPOD_CLI = path.join(__dirname, 'nanopod-cli.js');

export interface CliRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first stderr match of `pattern` (e.g. the sign-in URL). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Runs `nanopod ...` as a child process, like a user or a script (in `cwd`, else the repo). */
export function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  options: { cwd?: string } = {},
): CliRun {
  const child = spawn(process.execPath, [NANOPOD_CLI, ...args], {
    cwd: options.cwd ?? root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NANOPOD_NO_BROWSER: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout: out, stderr: err })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    done,
    async waitForStderr(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = err.match(pattern);
        if (m) return m;
        if (child.exitCode !== null) throw new Error(`CLI exited ${child.exitCode}: ${err}${out}`);
        if (Date.now() > deadline) throw new Error(`CLI never printed ${pattern}: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
