import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { compilePolicy, RegoCompileError, RegoEvalError } from '../src';
import { defaultConformanceDir } from '../src/conformance/conformance-runner';

/** Deterministic mutations of real policies: the engine may reject them, never crash. */
function mutants(sources: string[], count: number): string[] {
  let seed = 7;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const tokens = [
    '{',
    '}',
    '[',
    ']',
    '(',
    ')',
    ':=',
    '=',
    '==',
    'if',
    'else',
    'not',
    'some',
    'every',
    'in',
    'with',
    'as',
    ',',
    ';',
    '\n',
    'x',
    '_',
    '"s"',
    '1',
    'input',
    'data',
    'contains',
    'default',
    '|',
    '.',
    '$"{x}"',
  ];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let m = sources[Math.floor(rnd() * sources.length)];
    for (let j = 0; j < 1 + Math.floor(rnd() * 3); j++) {
      const pos = Math.floor(rnd() * m.length);
      const r = rnd();
      if (r < 0.33) m = m.slice(0, pos) + m.slice(pos + 1 + Math.floor(rnd() * 5));
      else if (r < 0.66)
        m = m.slice(0, pos) + tokens[Math.floor(rnd() * tokens.length)] + m.slice(pos);
      else {
        const p2 = Math.floor(rnd() * m.length);
        m = m.slice(0, pos) + m.slice(p2, p2 + 10) + m.slice(pos);
      }
    }
    out.push(m);
  }
  return out;
}

describe('Robustness on mangled policies', () => {
  const dir = defaultConformanceDir(path.resolve(__dirname, '../../..'));
  const sources: string[] = [];
  if (fs.existsSync(dir)) {
    const walk = (d: string): void => {
      for (const e of fs
        .readdirSync(d, { withFileTypes: true })
        .sort((a, b) => a.name.localeCompare(b.name))) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.yaml')) {
          const doc = load(fs.readFileSync(p, 'utf8')) as { cases?: { modules?: string[] }[] };
          for (const c of doc.cases ?? []) sources.push(...(c.modules ?? []));
        }
      }
    };
    walk(dir);
  } else {
    console.log(`OPA conformance cases not found at ${dir}: using a built-in sample`);
    sources.push(
      'package t\n\ndefault allow := false\n\nallow if {\n  some r in input.roles\n  r == "admin"\n}\n\nnames := {n | some u in input.users; n := u.name}\n',
    );
  }

  it('only ever throws RegoCompileError or RegoEvalError', () => {
    const unexpected: string[] = [];
    for (const m of mutants(sources, 1500)) {
      try {
        const p = compilePolicy([{ path: 'm.rego', source: m }]);
        for (const pkg of p.packages) {
          try {
            p.evaluate(`data.${pkg}`, {
              input: { x: 1 },
              limits: { maxSteps: 20_000, timeoutMs: 200 },
            });
          } catch (e) {
            if (!(e instanceof RegoEvalError)) unexpected.push(`${(e as Error).message}\n${m}`);
          }
        }
      } catch (e) {
        if (!(e instanceof RegoCompileError)) unexpected.push(`${(e as Error).message}\n${m}`);
      }
    }
    expect(unexpected).toEqual([]);
  });
});
