import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tar from 'tar';
import { apiRequest, resolveApiOptions } from '../lib/api';
import { apiClient, unwrap } from '../lib/client';
import { CliError } from '../lib/errors';
import { startSpinner } from '../lib/spinner';
import {
  addCreateOptions,
  createBody,
  CreateParams,
  exitCodeOf,
  Sandbox,
  streamExec,
} from './sandboxes';

const ALWAYS_SKIPPED = ['node_modules', '.git', '.nanopod', '__pycache__', '.venv'];
const MAX_ARCHIVE_BYTES = 50 * 1024 * 1024;

interface RunParams extends CreateParams {
  upload: boolean;
  keep?: boolean;
  timeout?: string;
}

/** A rough .gitignore: names and globs (`*`, `**`), anchored when they contain a slash; no negation. */
export function ignoreMatcher(root: string): (relPath: string) => boolean {
  const file = path.join(root, '.gitignore');
  const patterns = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'))
    : [];
  const regexes = patterns.map((p) => {
    const dirOnly = p.endsWith('/');
    const body = p.replace(/^\//, '').replace(/\/$/, '');
    const anchored = p.startsWith('/') || body.includes('/');
    const glob = body
      .split('**')
      .map((part) =>
        part
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]'),
      )
      .join('.*');
    void dirOnly;
    return new RegExp(anchored ? `^${glob}(/|$)` : `(^|/)${glob}(/|$)`);
  });
  return (rel) => {
    const p = rel.replace(/^\.\//, '');
    if (!p || p === '.') return false;
    if (p.split('/').some((seg) => ALWAYS_SKIPPED.includes(seg))) return true;
    return regexes.some((r) => r.test(p));
  };
}

/** The current directory as a tar.gz, without node_modules, .git and what .gitignore names. */
export async function packDirectory(root: string): Promise<Buffer> {
  const ignored = ignoreMatcher(root);
  const chunks: Buffer[] = [];
  let size = 0;
  const stream = tar.create(
    { gzip: true, cwd: root, portable: true, filter: (p: string) => !ignored(p) },
    ['.'],
  );
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ARCHIVE_BYTES) {
      throw new CliError(
        `The directory is larger than ${MAX_ARCHIVE_BYTES / 1048576} MB packed: add to .gitignore or use --no-upload`,
        2,
        'cli.upload_too_large',
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function run(argv: string[], p: RunParams): Promise<void> {
  if (!argv.length)
    throw new CliError(
      "Give the command after --, e.g. nanopod run -- python3 -c 'print(6*7)'",
      2,
      'cli.bad_flag',
    );
  const opts = resolveApiOptions(p);
  const api = apiClient(opts);
  const spinner = await startSpinner('Starting a sandbox', { json: p.json });
  let sb: Sandbox;
  try {
    sb = await unwrap(api.POST('/v1/sandboxes', { body: createBody(p) }));
    if (sb.state !== 'running')
      throw new CliError(
        `The sandbox did not start: ${sb.state}${sb.reason ? ` (${sb.reason})` : ''}`,
        1,
        'cli.sandbox_failed',
      );
    if (p.upload) {
      spinner.text = 'Uploading the current directory';
      const archive = await packDirectory(process.cwd());
      // A binary body: the shared untyped request (same auth and errors), not openapi-fetch's JSON.
      await apiRequest(opts, 'POST', `/v1/sandboxes/${sb.id}/archive?path=.`, undefined, {
        rawBody: new Blob([new Uint8Array(archive)]),
        headers: { 'content-type': 'application/gzip' },
      });
    }
    spinner.stop();
  } catch (err) {
    spinner.fail();
    throw err;
  }
  let code = 1;
  try {
    const exit = await streamExec(opts, sb.id, {
      argv,
      ...(p.timeout ? { timeout_seconds: Number(p.timeout) } : {}),
    });
    code = exitCodeOf(exit);
    if (exit.reason) process.stderr.write(`nanopod: the command ended: ${exit.reason}\n`);
  } finally {
    if (!p.keep)
      await unwrap(api.DELETE('/v1/sandboxes/{id}', { params: { path: { id: sb.id } } })).catch(
        () => undefined,
      );
    else process.stderr.write(`nanopod: kept sandbox ${sb.id}\n`);
  }
  if (code !== 0) throw new CliError('', code, 'cli.command_failed');
}

export function registerRunCommand(program: Command): void {
  addCreateOptions(
    program
      .command('run')
      .description(
        "Run a command in a fresh sandbox with this directory: nanopod run -- python3 -c 'print(6*7)'",
      )
      .option('--no-upload', 'do not upload the current directory')
      .option('--keep', 'keep the sandbox afterwards')
      .option('--timeout <seconds>', 'wall-time limit of the command')
      .argument('<command...>', 'the command (after --)'),
  ).action(async (argv: string[], _o: unknown, cmd: Command) =>
    run(argv, cmd.optsWithGlobals<RunParams>()),
  );
}
