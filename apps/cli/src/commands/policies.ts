import { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { resolveApiOptions } from '../lib/api';
import { ApiClient, apiClient, unwrap } from '../lib/client';
import { CliError } from '../lib/errors';
import { printJson, printRecord, printTable } from '../lib/output';

interface GlobalFlags {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

interface Problem {
  code: string;
  message: string;
  file: string | null;
  row: number | null;
  col: number | null;
}

interface VersionDto {
  policy: string;
  version: number;
  status: string;
  message: string;
  author_id: string | null;
  created_at: string;
  source?: string;
  tests?: string | null;
  diff?: string;
}

interface TestRow {
  package: string;
  name: string;
  passed: boolean;
  error: string | null;
  duration_ms: number;
}

interface DecisionDto {
  allow: boolean;
  tier: string;
  rate_multiplier: number;
  max_gpu_hours: number;
  reasons: string[];
}

function flagsOf(cmd: Command): GlobalFlags {
  return cmd.optsWithGlobals<GlobalFlags>();
}

function api(cmd: Command): ApiClient {
  return apiClient(resolveApiOptions(flagsOf(cmd)));
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`not a version number: ${value}`, 2);
  return n;
}

/** `file:row:col: code: message`, as compilers print them. */
export function formatProblem(p: Problem, fallbackFile: string): string {
  return `${p.file ?? fallbackFile}:${p.row ?? 0}:${p.col ?? 0}: ${p.code}: ${p.message}`;
}

function failWithProblems(problems: Problem[], file: string, json: boolean | undefined): never {
  if (json) printJson({ valid: false, errors: problems });
  else for (const p of problems) process.stderr.write(formatProblem(p, file) + '\n');
  throw new CliError(`${problems.length} error(s)`, 1, 'policy.invalid', { errors: problems });
}

/** A 422 from the server with its problem list, or rethrow. */
function problemsOf(err: unknown): Problem[] | null {
  if (!(err instanceof CliError) || err.code !== 'policy.invalid') return null;
  const d = err.details as { errors?: Problem[] } | undefined;
  return d?.errors ?? [];
}

function printTests(rows: TestRow[], json: boolean | undefined): void {
  if (json) {
    printJson({
      passed: rows.filter((r) => r.passed).length,
      failed: rows.filter((r) => !r.passed).length,
      results: rows,
    });
  } else {
    printTable(
      rows,
      [
        { header: 'package', get: (r) => r.package },
        { header: 'test', get: (r) => r.name },
        { header: 'result', get: (r) => (r.passed ? 'PASS' : 'FAIL') },
        { header: 'ms', get: (r) => r.duration_ms.toFixed(2) },
        { header: 'error', get: (r) => r.error ?? '' },
      ],
      {},
    );
    const failed = rows.filter((r) => !r.passed).length;
    process.stdout.write(`${rows.length - failed} passed, ${failed} failed\n`);
  }
  if (rows.some((r) => !r.passed))
    throw new CliError('some policy tests failed', 1, 'policy.tests_failed');
}

/** Runs *_test.rego under a directory with the in-process engine: no server needed. */
async function runLocalTests(dir: string): Promise<TestRow[]> {
  const { loadRegoDir, compilePolicy, RegoCompileError } = await import('@nanopod/rego');
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new CliError(`no such directory: ${dir}`, 2);
  const modules = loadRegoDir(dir);
  if (modules.length === 0) throw new CliError(`no .rego files under ${dir}`, 2);
  try {
    return compilePolicy(modules)
      .runTests()
      .map((r) => ({
        package: r.package,
        name: r.name,
        passed: r.passed,
        error: r.error ?? null,
        duration_ms: r.durationMs,
      }));
  } catch (err) {
    if (err instanceof RegoCompileError) {
      throw new CliError(err.message, 1, 'policy.invalid', {
        errors: err.errors.map((e) => ({
          code: e.code,
          message: e.message,
          file: e.location?.file ?? null,
          row: e.location?.row ?? null,
          col: e.location?.col ?? null,
        })),
      });
    }
    throw err;
  }
}

function readLocal(file: string): string {
  if (!existsSync(file) || !statSync(file).isFile()) throw new CliError(`no such file: ${file}`, 2);
  return readFileSync(file, 'utf8');
}

/** `<name>.edit.rego` in the current directory (numbered if taken): where a rejected edit stays. */
function keepRejectedEdit(name: string, source: string): string {
  for (let i = 0; ; i++) {
    const file = `${name}.edit${i ? `-${i}` : ''}.rego`;
    if (existsSync(file)) continue;
    writeFileSync(file, source);
    return `./${file}`;
  }
}

function editInEditor(initial: string, name: string): string {
  const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
  const dir = mkdtempSync(path.join(tmpdir(), 'nanopod-policy-'));
  const file = path.join(dir, `${name}.rego`);
  writeFileSync(file, initial);
  try {
    const r = spawnSync(`${editor} "${file}"`, { stdio: 'inherit', shell: true });
    if (r.status !== 0) throw new CliError(`editor exited with status ${r.status ?? 'unknown'}`, 1);
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function registerPolicyCommands(program: Command): void {
  const policies = program
    .command('policies')
    .description('Rego policies: versions, tests, dry runs, activation (admins)');

  policies
    .command('ls')
    .description('List policies and their active versions')
    .action(async (_o, cmd: Command) => {
      const r = await unwrap(api(cmd).GET('/v1/policies'));
      printTable(
        r.data,
        [
          { header: 'name', get: (p) => p.name },
          { header: 'package', get: (p) => p.package },
          { header: 'active', get: (p) => p.active_version },
          { header: 'updated', get: (p) => p.updated_at },
        ],
        flagsOf(cmd),
      );
    });

  policies
    .command('get <name>')
    .description('Print the active source (or --version N), or --versions to list versions')
    .option('--version <n>', 'a given version', positiveInt)
    .option('--versions', 'list the versions instead')
    .option('--diff', 'print the diff from the active version instead of the source')
    .action(
      async (
        name: string,
        o: { version?: number; versions?: boolean; diff?: boolean },
        cmd: Command,
      ) => {
        const flags = flagsOf(cmd);
        const path = { name };
        if (o.versions) {
          const r = await unwrap(
            api(cmd).GET('/v1/policies/{name}/versions', { params: { path } }),
          );
          printTable(
            r.data,
            [
              { header: 'version', get: (v) => v.version },
              { header: 'status', get: (v) => v.status },
              { header: 'created', get: (v) => v.created_at },
              { header: 'message', get: (v) => v.message },
            ],
            flags,
          );
          return;
        }
        let v: VersionDto | null;
        if (o.version !== undefined) {
          v = await unwrap(
            api(cmd).GET('/v1/policies/{name}/versions/{version}', {
              params: { path: { name, version: o.version } },
            }),
          );
        } else {
          const r = await unwrap(api(cmd).GET('/v1/policies/{name}', { params: { path } }));
          v = r.active;
          if (!v) throw new CliError(`policy ${name} has no active version`, 1);
        }
        if (flags.json) printJson(v);
        else process.stdout.write(o.diff ? (v.diff ?? '') : (v.source ?? ''));
      },
    );

  policies
    .command('edit <name>')
    .description('Edit the active source (or --version N, e.g. a draft) in $EDITOR; save a draft')
    .option('-m, --message <text>', 'what changed')
    .option('--version <n>', 'start from this version instead of the active one')
    .action(async (name: string, o: { message?: string; version?: string }, cmd: Command) => {
      const flags = flagsOf(cmd);
      const path = { name };
      const before = o.version
        ? ((
            await unwrap(
              api(cmd).GET('/v1/policies/{name}/versions/{version}', {
                params: { path: { name, version: positiveInt(o.version) } },
              }),
            )
          ).source ?? '')
        : ((await unwrap(api(cmd).GET('/v1/policies/{name}', { params: { path } }))).active
            ?.source ?? '');
      const after = editInEditor(before, name);
      if (after === before) {
        if (flags.json) printJson({ saved: false });
        else process.stdout.write('no changes; nothing saved\n');
        return;
      }
      try {
        const v = await unwrap(
          api(cmd).POST('/v1/policies/{name}/versions', {
            params: { path },
            body: { source: after, message: o.message ?? 'edited with nanopod policies edit' },
          }),
        );
        if (flags.json) printJson(v);
        else process.stdout.write(`saved draft version ${v.version} of ${name}\n`);
      } catch (err) {
        // The edit is never thrown away: kept beside you, to fix and push.
        const kept = keepRejectedEdit(name, after);
        process.stderr.write(
          `nanopod: your edit is kept in ${kept}; fix it and run: nanopod policies push ${name} ${kept}\n`,
        );
        const problems = problemsOf(err);
        if (problems) failWithProblems(problems, `${name}.rego`, flags.json);
        throw err;
      }
    });

  policies
    .command('push <name> <file>')
    .description("Save a file as a new draft version of a policy and run the version's tests")
    .option('-m, --message <text>', 'what changed')
    .option('--tests <file>', "its tests (default: the active version's)")
    .option('--activate', 'activate it when its tests pass')
    .action(
      async (
        name: string,
        file: string,
        o: { message?: string; tests?: string; activate?: boolean },
        cmd: Command,
      ) => {
        const flags = flagsOf(cmd);
        const source = readLocal(file);
        const tests = o.tests ? readLocal(o.tests) : undefined;
        let v: { version: number };
        try {
          v = await unwrap(
            api(cmd).POST('/v1/policies/{name}/versions', {
              params: { path: { name } },
              body: {
                source,
                message: o.message ?? `pushed from ${path.basename(file)}`,
                ...(tests !== undefined ? { tests } : {}),
              },
            }),
          );
        } catch (err) {
          const problems = problemsOf(err);
          if (problems) failWithProblems(problems, file, flags.json);
          throw err;
        }
        const run = await unwrap(
          api(cmd).POST('/v1/policies/{name}/versions/{version}/test', {
            params: { path: { name, version: v.version } },
          }),
        );
        const failed = run.results.filter((r) => !r.passed);
        let activation: Record<string, unknown> | null = null;
        if (o.activate && failed.length === 0) {
          activation = await unwrap(
            api(cmd).POST('/v1/policies/{name}/versions/{version}/activate', {
              params: { path: { name, version: v.version } },
              body: { message: o.message ?? `pushed from ${path.basename(file)}` },
            }),
          );
        }
        if (flags.json) {
          printJson({ version: v.version, tests: run, activated: activation !== null });
        } else {
          process.stdout.write(
            `saved draft version ${v.version} of ${name}: ${run.passed} test(s) passed, ${run.failed} failed\n`,
          );
          for (const f of failed) {
            process.stdout.write(`  FAIL ${f.package}.${f.name}: ${f.error ?? 'failed'}\n`);
          }
          if (activation) process.stdout.write(`activated version ${v.version}\n`);
        }
        if (failed.length) {
          throw new CliError(
            `version ${v.version} is saved as a draft, but its tests fail`,
            1,
            'policy.tests_failing',
          );
        }
      },
    );

  policies
    .command('validate <file>')
    .description('Parse and compile a Rego file; errors as file:row:col: code: message')
    .option('--policy <name>', 'validate on the server as a version of this policy')
    .action(async (file: string, o: { policy?: string }, cmd: Command) => {
      const flags = flagsOf(cmd);
      if (!existsSync(file)) throw new CliError(`no such file: ${file}`, 2);
      const source = readFileSync(file, 'utf8');
      let problems: Problem[];
      if (o.policy) {
        const r = await unwrap(
          api(cmd).POST('/v1/policies/{name}/validate', {
            params: { path: { name: o.policy } },
            body: { source },
          }),
        );
        problems = r.errors.map((p) => ({ ...p, file: file }));
      } else {
        const { checkPolicy } = await import('@nanopod/rego');
        problems = checkPolicy([{ path: file, source }]).map((e) => ({
          code: e.code,
          message: e.message,
          file: e.location?.file ?? file,
          row: e.location?.row ?? null,
          col: e.location?.col ?? null,
        }));
      }
      if (problems.length > 0) failWithProblems(problems, file, flags.json);
      if (flags.json) printJson({ valid: true, errors: [] });
      else process.stdout.write(`${file}: ok\n`);
    });

  policies
    .command('test [dir]')
    .description(
      'Run test_ rules of *_test.rego under DIR locally, or of --version N on the server',
    )
    .option('--version <n>', 'run a stored version on the server', positiveInt)
    .option('--policy <name>', 'the policy of --version', 'subsidy')
    .action(
      async (dir: string | undefined, o: { version?: number; policy: string }, cmd: Command) => {
        const flags = flagsOf(cmd);
        if (o.version !== undefined) {
          const r = await unwrap(
            api(cmd).POST('/v1/policies/{name}/versions/{version}/test', {
              params: { path: { name: o.policy, version: o.version } },
            }),
          );
          printTests(r.results, flags.json);
          return;
        }
        try {
          printTests(await runLocalTests(dir ?? 'policies'), flags.json);
        } catch (err) {
          const problems = problemsOf(err);
          if (problems) failWithProblems(problems, dir ?? 'policies', flags.json);
          throw err;
        }
      },
    );

  policies
    .command('dry-run <name> <version>')
    .description('Re-evaluate the latest logged decisions with a version: what would flip')
    .option('--limit <n>', 'how many logged decisions', positiveInt, 100)
    .action(async (name: string, version: string, o: { limit: number }, cmd: Command) => {
      const flags = flagsOf(cmd);
      const r = await unwrap(
        api(cmd).POST('/v1/policies/{name}/versions/{version}/dry-run', {
          params: { path: { name, version: positiveInt(version) } },
          body: { limit: o.limit },
        }),
      );
      if (flags.json) {
        printJson(r);
        return;
      }
      const show = (d: DecisionDto) =>
        `${d.allow ? 'allow' : 'deny'} ${d.tier} x${d.rate_multiplier}`;
      printTable(
        r.decisions,
        [
          { header: 'user', get: (d) => d.github_login ?? d.user_id ?? '' },
          { header: 'when', get: (d) => d.created_at },
          { header: 'today', get: (d) => show(d.before) },
          { header: 'after', get: (d) => show(d.after) },
          { header: 'flip', get: (d) => (d.flipped ? 'yes' : '') },
        ],
        {},
      );
      process.stdout.write(
        `${r.evaluated} decisions evaluated, ${r.flips} would flip, ${r.changed} would change\n`,
      );
    });

  policies
    .command('activate <name> <version>')
    .description('Activate a version (audited); refused while its own tests fail')
    .option('-m, --message <text>', 'why')
    .option('--force', "activate even though the version's tests fail (recorded in the log)")
    .action(
      async (
        name: string,
        version: string,
        o: { message?: string; force?: boolean },
        cmd: Command,
      ) => {
        const a = await unwrap(
          api(cmd).POST('/v1/policies/{name}/versions/{version}/activate', {
            params: { path: { name, version: positiveInt(version) } },
            body: { message: o.message ?? '', ...(o.force ? { force: true } : {}) },
          }),
        );
        printActivation(a, flagsOf(cmd));
      },
    );

  policies
    .command('rollback <name> <version>')
    .description('Activate an earlier version again (audited)')
    .option('-m, --message <text>', 'why')
    .action(async (name: string, version: string, o: { message?: string }, cmd: Command) => {
      const a = await unwrap(
        api(cmd).POST('/v1/policies/{name}/rollback', {
          params: { path: { name } },
          body: { version: positiveInt(version), message: o.message ?? '' },
        }),
      );
      printActivation(a, flagsOf(cmd));
    });

  policies
    .command('log <name>')
    .description('Activation audit of a policy')
    .option('--limit <n>', 'how many entries', positiveInt, 50)
    .action(async (name: string, o: { limit: number }, cmd: Command) => {
      const r = await unwrap(
        api(cmd).GET('/v1/policies/{name}/log', {
          params: { path: { name }, query: { limit: o.limit } },
        }),
      );
      printTable(
        r.data,
        [
          { header: 'when', get: (a) => a.created_at },
          { header: 'kind', get: (a) => a.kind },
          { header: 'from', get: (a) => a.from_version },
          { header: 'to', get: (a) => a.to_version },
          { header: 'by', get: (a) => a.actor_id },
          { header: 'message', get: (a) => a.message },
        ],
        flagsOf(cmd),
      );
    });
}

function printActivation(a: Record<string, unknown>, flags: GlobalFlags): void {
  if (flags.json) {
    printJson(a);
    return;
  }
  const { diff, ...rest } = a;
  printRecord(rest, {});
  if (typeof diff === 'string' && diff) process.stdout.write(`\n${diff}`);
}
