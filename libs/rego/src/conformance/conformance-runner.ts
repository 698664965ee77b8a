import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import type { BuiltinRegistry } from '../builtins/builtin.types';
import { defaultBuiltins } from '../builtins';
import { RegoCompileError, RegoEvalError } from '../errors';
import { compileToPolicy } from '../policy';
import type { Term } from '../syntax/ast';
import { parseTermText } from '../syntax/parser';
import { RegoObject, RegoSet, compare, fromJSON, toJSON, type Value } from '../value';

/**
 * Runs OPA's conformance cases (v1/test/cases/testdata/v1, as YAML) the way OPA's own runner
 * (topdown testRun) does: compile the modules (test-0.rego, ...), load data and input, run the
 * query with strict built-in errors as asked, then compare the result set or the error.
 * A case that uses a built-in we do not have is skipped; a case that throws or runs past its
 * limits fails alone, never the run.
 */
export interface ConformanceCase {
  note: string;
  query: string;
  modules?: string[];
  data?: unknown;
  input?: unknown;
  input_term?: string;
  want_result?: Record<string, unknown>[];
  want_error_code?: string;
  want_error?: string;
  strict_error?: boolean;
  sort_bindings?: boolean;
  ignore_generated_vars?: boolean;
}

export type CaseStatus = 'passed' | 'failed' | 'skipped';

export interface CaseResult {
  /** `dir/file.yaml#note` */
  id: string;
  dir: string;
  status: CaseStatus;
  reason?: string;
}

export interface DirStats {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
}

export interface ConformanceReport extends DirStats {
  rate: number;
  dirs: Record<string, DirStats>;
  cases: CaseResult[];
}

export interface ConformanceOptions {
  dir: string;
  builtins?: BuiltinRegistry;
  /** Only cases whose id contains this text. */
  filter?: string;
  timeoutMs?: number;
  maxSteps?: number;
}

/** The case directory: env OPA_CONFORMANCE_DIR, else ../shared/opa-conformance from the project root. */
export function defaultConformanceDir(projectRoot: string): string {
  return process.env.OPA_CONFORMANCE_DIR ?? path.resolve(projectRoot, '../shared/opa-conformance');
}

/**
 * The checked-in list of cases known to pass (regorus keeps tests/opa.passing): one case id per
 * line, `#` comments allowed. A listed case that fails is a regression.
 */
export function readPassingList(file: string): Set<string> {
  if (!fs.existsSync(file)) return new Set();
  return new Set(
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('# ')),
  );
}

/** Adds the cases that pass now to the list; a listed case never leaves it by itself. */
export function writePassingList(
  file: string,
  listed: Set<string>,
  report: ConformanceReport,
): string[] {
  const added = report.cases
    .filter((c) => c.status === 'passed' && !listed.has(c.id))
    .map((c) => c.id);
  const all = [...new Set([...listed, ...added])].sort();
  fs.writeFileSync(
    file,
    '# OPA conformance cases that pass (npm run conformance -- --update-passing adds new ones)\n' +
      all.join('\n') +
      '\n',
  );
  return added;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs
      .readdirSync(d, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Top-level topic directory of a case file (`aggregates` for v1/aggregates/x.yaml). */
function topicOf(root: string, file: string): string {
  const rel = path.relative(root, file).split(path.sep);
  const parts = rel[0] === 'v1' || rel[0] === 'v0' ? rel.slice(1) : rel;
  return parts.length > 1 ? parts[0] : '.';
}

export function runConformance(options: ConformanceOptions): ConformanceReport {
  const builtins = options.builtins ?? defaultBuiltins();
  const report: ConformanceReport = {
    total: 0,
    passed: 0,
    failed: 0,
    skipped: 0,
    rate: 0,
    dirs: {},
    cases: [],
  };
  for (const file of yamlFiles(options.dir)) {
    const dir = topicOf(options.dir, file);
    let cases: ConformanceCase[] = [];
    try {
      const doc = load(fs.readFileSync(file, 'utf8')) as { cases?: ConformanceCase[] } | null;
      cases = doc?.cases ?? [];
    } catch (e) {
      cases = [];
      record(report, {
        id: path.relative(options.dir, file),
        dir,
        status: 'failed',
        reason: `bad YAML: ${(e as Error).message}`,
      });
      continue;
    }
    const seen = new Map<string, number>();
    for (const c of cases) {
      // Some files repeat a note: the nth repeat is `note (n)`, so every id names one case.
      const base = `${path.relative(options.dir, file)}#${c.note}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      const id = n === 1 ? base : `${base} (${n})`;
      if (options.filter && !id.includes(options.filter)) continue;
      let result: CaseResult;
      try {
        result = { id, dir, ...runCase(c, builtins, options) };
      } catch (e) {
        result = { id, dir, status: 'failed', reason: `runner: ${(e as Error).message}` };
      }
      record(report, result);
    }
  }
  report.rate = report.total ? report.passed / report.total : 0;
  return report;
}

function record(report: ConformanceReport, r: CaseResult): void {
  const d = (report.dirs[r.dir] ??= { total: 0, passed: 0, failed: 0, skipped: 0 });
  d.total++;
  report.total++;
  d[r.status]++;
  report[r.status]++;
  report.cases.push(r);
}

const UNDEFINED_FN = /^undefined function (.+)$/;

function missingBuiltins(
  errors: { code: string; message: string }[],
  builtins: BuiltinRegistry,
): string[] | null {
  const names: string[] = [];
  for (const e of errors) {
    // Calls of unknown functions also leave their output variables unsafe.
    if (e.code === 'rego_unsafe_var_error') continue;
    const m = e.code === 'rego_type_error' ? UNDEFINED_FN.exec(e.message) : null;
    if (!m || m[1].startsWith('data.')) return null;
    if (builtins.has(m[1])) return null;
    names.push(m[1]);
  }
  return names.length ? names : null;
}

function runCase(
  c: ConformanceCase,
  builtins: BuiltinRegistry,
  options: ConformanceOptions,
): Omit<CaseResult, 'id' | 'dir'> {
  const wantsError = c.want_error_code !== undefined || c.want_error !== undefined;
  const modules = (c.modules ?? []).map((source, i) => ({ path: `test-${i}.rego`, source }));
  let policy;
  try {
    // OPA's runner sets no allow_net: every host is allowed (the cases reach only localhost).
    policy = compileToPolicy(modules, { builtins, network: { allowHosts: ['*'] } });
  } catch (e) {
    if (e instanceof RegoCompileError) {
      const missing = missingBuiltins(e.errors, builtins);
      if (missing) return { status: 'skipped', reason: `missing built-ins: ${missing.join(', ')}` };
      return checkError(c, e.errors[0]?.code ?? 'rego_compile_error', e.message);
    }
    throw e;
  }
  const data = c.data === undefined ? new RegoObject() : fromJSON(c.data);
  let input: Value | undefined = c.input === undefined ? undefined : fromJSON(c.input);
  if (c.input_term !== undefined) input = termValue(parseTermText(c.input_term));
  const rows: Map<string, Value>[] = [];
  let error: RegoEvalError | RegoCompileError | null = null;
  try {
    policy.queryRaw(
      c.query,
      {
        input,
        data,
        strictBuiltinErrors: c.strict_error === true,
        limits: { maxSteps: options.maxSteps ?? 5_000_000, timeoutMs: options.timeoutMs ?? 3000 },
      },
      (row) => rows.push(row),
    );
  } catch (e) {
    if (e instanceof RegoCompileError) {
      const missing = missingBuiltins(e.errors, builtins);
      if (missing) return { status: 'skipped', reason: `missing built-ins: ${missing.join(', ')}` };
      error = e;
    } else if (e instanceof RegoEvalError) error = e;
    else
      return {
        status: 'failed',
        reason: `crash: ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}`,
      };
  }
  if (wantsError) {
    if (!error)
      return {
        status: 'failed',
        reason: `expected error ${c.want_error_code ?? ''} ${c.want_error ?? ''}, got ${rows.length} rows`,
      };
    const code = error instanceof RegoEvalError ? error.code : (error.errors[0]?.code ?? '');
    const r = checkError(c, code, error.message);
    if (r.status !== 'passed' || c.want_result === undefined) return r;
  } else if (error) {
    return { status: 'failed', reason: `unexpected error: ${error.message}` };
  }
  if (c.want_result !== undefined) return compareRows(c, rows);
  return { status: 'passed' };
}

function checkError(
  c: ConformanceCase,
  code: string,
  message: string,
): Omit<CaseResult, 'id' | 'dir'> {
  if (c.want_error_code === undefined && c.want_error === undefined)
    return { status: 'failed', reason: `unexpected error: ${message}` };
  if (c.want_error_code !== undefined && c.want_error_code !== code)
    return {
      status: 'failed',
      reason: `error code ${code} (want ${c.want_error_code}): ${message}`,
    };
  if (c.want_error !== undefined && !message.includes(c.want_error))
    return {
      status: 'failed',
      reason: `error message ${JSON.stringify(message)} does not contain ${JSON.stringify(c.want_error)}`,
    };
  return { status: 'passed' };
}

function compareRows(
  c: ConformanceCase,
  rows: Map<string, Value>[],
): Omit<CaseResult, 'id' | 'dir'> {
  const norm = (row: Record<string, unknown>): string => {
    const keys = Object.keys(row).sort();
    return JSON.stringify(
      keys.map((k) => [k, canonical(fromJSON(row[k]), c.sort_bindings === true)]),
    );
  };
  const actual = rows.map((r) => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of r) {
      if (c.ignore_generated_vars && k.startsWith('__local')) continue;
      o[k] = toJSON(v);
    }
    return o;
  });
  const want = (c.want_result ?? []).map(norm).sort();
  const got = [...new Set(actual.map(norm))].sort();
  const wantSet = [...new Set(want)].sort();
  if (JSON.stringify(wantSet) === JSON.stringify(got)) return { status: 'passed' };
  const show = (xs: string[]): string =>
    xs.length > 3 ? xs.slice(0, 3).join(' ; ') + ` ; ... (${xs.length})` : xs.join(' ; ');
  return {
    status: 'failed',
    reason: `result mismatch: got [${show(got).slice(0, 400)}] want [${show(wantSet).slice(0, 400)}]`,
  };
}

/** A JSON-comparable canonical form; numbers by value, arrays sorted when sort_bindings. */
function canonical(v: Value, sortTop: boolean): unknown {
  if (sortTop && Array.isArray(v)) v = [...v].sort(compare);
  const j = toJSON(v);
  return j;
}

/** Value of a ground term written in Rego (input_term). */
export function termValue(t: Term): Value {
  switch (t.type) {
    case 'scalar':
      return t.value;
    case 'array':
      return t.items.map(termValue);
    case 'set':
      return RegoSet.of(t.items.map(termValue));
    case 'object':
      return RegoObject.fromEntries(t.items.map(([k, v]) => [termValue(k), termValue(v)]));
    case 'call':
      if (t.op.type === 'var' && t.op.name === 'minus' && t.args.length === 2)
        return -(termValue(t.args[1]) as number);
      throw new Error('input_term must be ground');
    default:
      throw new Error('input_term must be ground');
  }
}
