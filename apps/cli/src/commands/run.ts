import type { Command } from 'commander';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import * as tar from 'tar';
import { apiFetch, apiRequest, resolveApiOptions, throwIfError, type ApiOptions } from '../lib/api';
import { apiClient, unwrap } from '../lib/client';
import { CliError } from '../lib/errors';
import { parseWholeSeconds } from '../lib/flags';
import { printJson } from '../lib/output';
import { startSpinner } from '../lib/spinner';
import {
  addCreateOptions,
  createBody,
  CreateParams,
  exitCodeOf,
  Sandbox,
  streamExec,
} from './sandboxes';

/** Never uploaded nor brought back, whatever the ignore files say. */
const ALWAYS_SKIPPED = ['node_modules/', '.git/', '.nanopod/', '__pycache__/', '.venv/'];
const MAX_ARCHIVE_BYTES = 50 * 1024 * 1024;

interface RunParams extends CreateParams {
  upload: boolean;
  keep?: boolean;
  timeout?: number;
  out?: string;
}

interface FileEntry {
  path: string;
  size: number;
  type: 'file' | 'dir';
  modified_at: string;
}

/**
 * What `run` leaves out: ALWAYS_SKIPPED, then `.gitignore` and `.nanopodignore` at the root,
 * with gitignore's own rules (globs, `**`, `!negation`, trailing `/` for directories).
 */
export function ignoreRules(root: string): Ignore {
  const rules = ignore().add(ALWAYS_SKIPPED);
  for (const name of ['.gitignore', '.nanopodignore']) {
    const file = path.join(root, name);
    if (existsSync(file)) rules.add(readFileSync(file, 'utf8'));
  }
  return rules;
}

/** Whether `rel` (a path under the root, `/`-separated) is left out; `dir` for directories. */
export function isIgnored(rules: Ignore, rel: string, dir: boolean): boolean {
  const p = rel.replace(/^\.\//, '');
  if (!p || p === '.') return false;
  return rules.ignores(dir ? `${p}/` : p);
}

export interface PackResult {
  archive: Buffer;
  /** Symlinks left out because they point outside the directory: `path -> target`. */
  skippedLinks: string[];
}

/**
 * The directory as a tar.gz without what ignoreRules names. Symlinks that stay inside go as
 * symlinks; those that leave it (a `.venv`'s python, a data link) are left out and listed.
 */
export async function packDirectory(
  root: string,
  rules: Ignore = ignoreRules(root),
): Promise<PackResult> {
  const skippedLinks: string[] = [];
  const chunks: Buffer[] = [];
  let size = 0;
  const stream = tar.create(
    {
      gzip: true,
      cwd: root,
      portable: true,
      filter: (p: string, entry) => {
        // Packing from disk: tar hands lstat results (a symlink is a symlink).
        const stat = entry as Stats;
        const rel = p.replace(/^\.\//, '');
        if (isIgnored(rules, rel, stat.isDirectory())) return false;
        if (stat.isSymbolicLink()) {
          const target = readlinkSync(path.join(root, rel));
          const resolved = path.resolve(path.dirname(path.join(root, rel)), target);
          if (path.isAbsolute(target) || !isInside(root, resolved)) {
            skippedLinks.push(`${rel} -> ${target}`);
            return false;
          }
        }
        return true;
      },
    },
    ['.'],
  );
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ARCHIVE_BYTES) {
      throw new CliError(
        `This directory is more than ${MAX_ARCHIVE_BYTES / 1048576} MB packed: name what the ` +
          'command does not need in .nanopodignore (or .gitignore), or use --no-upload',
        2,
        'cli.upload_too_large',
      );
    }
    chunks.push(chunk);
  }
  return { archive: Buffer.concat(chunks), skippedLinks };
}

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

async function listFiles(opts: ApiOptions, id: string): Promise<FileEntry[]> {
  const r = await apiRequest<{ data: FileEntry[] }>(
    opts,
    'GET',
    `/v1/sandboxes/${encodeURIComponent(id)}/files/list?path=.`,
  );
  return r.data.filter((f) => f.type === 'file');
}

/** Files that are new or changed (size or time) against `before`, minus what rules skip. */
export function changedFiles(before: FileEntry[], after: FileEntry[], rules: Ignore): FileEntry[] {
  const seen = new Map(before.map((f) => [f.path, f]));
  return after.filter((f) => {
    const old = seen.get(f.path);
    if (old && old.size === f.size && old.modified_at === f.modified_at) return false;
    return !isIgnored(rules, f.path, false);
  });
}

async function bringBack(opts: ApiOptions, id: string, files: FileEntry[], outDir: string) {
  const root = path.resolve(outDir);
  for (const f of files) {
    const target = path.resolve(root, f.path);
    // Names come from the sandbox: nothing may land outside the chosen directory.
    if (!isInside(root, target) || target === root) {
      throw new CliError(`Refusing to write ${f.path} outside ${outDir}`, 1, 'cli.unsafe_path');
    }
    const res = await apiFetch(
      opts,
      `/v1/sandboxes/${encodeURIComponent(id)}/files?path=${encodeURIComponent(f.path)}`,
    );
    await throwIfError(res);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, Buffer.from(await res.arrayBuffer()));
  }
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
  const root = process.cwd();
  const rules = ignoreRules(root);
  const spinner = await startSpinner('Starting a sandbox', { json: p.json });
  let sb: Sandbox;
  let before: FileEntry[] = [];
  try {
    sb = await unwrap(api.POST('/v1/sandboxes', { body: createBody(p) }));
    if (sb.state !== 'running')
      throw new CliError(
        `The sandbox did not start: ${sb.state}${sb.reason ? ` (${sb.reason})` : ''}`,
        1,
        'cli.sandbox_failed',
      );
    if (p.upload) {
      spinner.text = 'Uploading this directory';
      const { archive, skippedLinks } = await packDirectory(root, rules);
      if (skippedLinks.length) {
        spinner.stop();
        const shown = skippedLinks.slice(0, 3).join(', ');
        const more = skippedLinks.length > 3 ? `, and ${skippedLinks.length - 3} more` : '';
        process.stderr.write(
          `nanopod: left out ${skippedLinks.length} symlink(s) pointing outside this directory: ${shown}${more}\n`,
        );
      }
      // A binary body: the shared untyped request (same auth and errors), not openapi-fetch's JSON.
      await apiRequest(opts, 'POST', `/v1/sandboxes/${sb.id}/archive?path=.`, undefined, {
        rawBody: new Blob([new Uint8Array(archive)]),
        headers: { 'content-type': 'application/gzip' },
      });
      before = await listFiles(opts, sb.id);
    }
    spinner.stop();
  } catch (err) {
    spinner.fail();
    throw err;
  }
  let code = 1;
  const captured = { stdout: '', stderr: '' };
  let files: FileEntry[] = [];
  try {
    const exit = await streamExec(
      opts,
      sb.id,
      { argv, ...(p.timeout !== undefined ? { timeout_seconds: p.timeout } : {}) },
      p.json ? (stream, text) => (captured[stream] += text) : undefined,
    );
    code = exitCodeOf(exit);
    if (exit.reason && !p.json) {
      process.stderr.write(`nanopod: the command ended: ${exit.reason}\n`);
    }
    files = changedFiles(before, await listFiles(opts, sb.id), rules);
    if (p.out && files.length) {
      const back = await startSpinner(`Bringing back ${files.length} file(s)`, { json: p.json });
      try {
        await bringBack(opts, sb.id, files, p.out);
        back.stop();
      } catch (err) {
        back.fail();
        throw err;
      }
    }
  } finally {
    if (!p.keep)
      await unwrap(api.DELETE('/v1/sandboxes/{id}', { params: { path: { id: sb.id } } })).catch(
        () => undefined,
      );
  }
  if (p.json) {
    printJson({
      exit_code: code,
      stdout: captured.stdout,
      stderr: captured.stderr,
      files: files.map((f) => ({ path: f.path, size: f.size, modified_at: f.modified_at })),
      ...(p.out ? { out: p.out } : {}),
      ...(p.keep ? { sandbox_id: sb.id, sandbox_name: sb.name } : {}),
    });
  } else {
    reportFiles(files, sb.name, p);
  }
  if (code !== 0) throw new CliError('', code, 'cli.command_failed');
}

/** `name`: the kept sandbox's, which every `nanopod sandboxes` verb takes. */
function reportFiles(files: FileEntry[], name: string, p: RunParams): void {
  if (p.keep) process.stderr.write(`nanopod: kept sandbox ${name}\n`);
  if (!files.length) return;
  const names = files.slice(0, 5).map((f) => f.path);
  const list = `${names.join(', ')}${files.length > 5 ? `, and ${files.length - 5} more` : ''}`;
  if (p.out) {
    process.stderr.write(`nanopod: brought back ${files.length} file(s) into ${p.out}: ${list}\n`);
  } else if (p.keep) {
    process.stderr.write(
      `nanopod: the command wrote ${files.length} file(s): ${list}\n` +
        `  fetch one with: nanopod sandboxes download ${name} ${files[0].path}\n`,
    );
  } else {
    process.stderr.write(
      `nanopod: the command wrote ${files.length} file(s): ${list}\n` +
        '  run with --out DIR to bring them back\n',
    );
  }
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
      .option(
        '--timeout <duration>',
        'wall-time limit of the command: seconds, or 10m, 1h',
        parseWholeSeconds('--timeout'),
      )
      .option('--out <dir>', 'bring the files the command created or changed back into DIR')
      .argument('<command...>', 'the command (after --)')
      .addHelpText(
        'after',
        `
Uploads this directory, except node_modules, .git, .venv, __pycache__ and what .gitignore or
.nanopodignore name (those are not brought back either). Symlinks that point outside it are
left out, with one warning. The exit code is the command's.

Examples:
  nanopod run -- python3 train.py
  nanopod run --out results --memory 2Gi --timeout 30m -- python3 train.py
  nanopod run --json -- sh -c 'echo hi; exit 3'   # {exit_code, stdout, stderr, files}`,
      ),
  ).action(async (argv: string[], _o: unknown, cmd: Command) =>
    run(argv, cmd.optsWithGlobals<RunParams>()),
  );
}
