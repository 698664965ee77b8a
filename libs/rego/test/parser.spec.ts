import { RegoParseFailure } from '../src/errors';
import type { Term } from '../src/syntax/ast';
import { parseModule, parseQuery } from '../src/syntax/parser';

/** Compact text of a term, for assertions on shape and precedence. */
function show(t: Term): string {
  switch (t.type) {
    case 'scalar':
      return JSON.stringify(t.value);
    case 'var':
      return t.name;
    case 'ref':
      return (
        show(t.terms[0]) +
        t.terms
          .slice(1)
          .map((x) => `[${show(x)}]`)
          .join('')
      );
    case 'call':
      return `${show(t.op)}(${t.args.map(show).join(', ')})`;
    case 'array':
      return `[${t.items.map(show).join(', ')}]`;
    case 'set':
      return t.items.length ? `{${t.items.map(show).join(', ')}}` : 'set()';
    case 'object':
      return `{${t.items.map(([k, v]) => `${show(k)}: ${show(v)}`).join(', ')}}`;
    case 'arraycomp':
      return `[${show(t.head)} | ${t.body.length}]`;
    case 'setcomp':
      return `{${show(t.head)} | ${t.body.length}}`;
    case 'objectcomp':
      return `{${show(t.key)}: ${show(t.value)} | ${t.body.length}}`;
    case 'template':
      return `$(${t.parts.map((p) => (typeof p === 'string' ? p : show(p))).join('')})`;
  }
}

const expr = (src: string): string => {
  const [e] = parseQuery(src);
  if (e.kind === 'term') return show(e.term);
  if (e.kind === 'unify' || e.kind === 'assign')
    return `${show(e.lhs)} ${e.kind === 'unify' ? '=' : ':='} ${show(e.rhs)}`;
  return e.kind;
};

describe('Rego parser', () => {
  it('maps infix operators to built-in calls with OPA precedence', () => {
    expect(expr('a + b * c == d')).toBe('equal(plus(a, mul(b, c)), d)');
    expect(expr('a | b & c')).toBe('or(a, and(b, c))');
    expect(expr('x in xs == false')).toBe('internal.member_2(x, equal(xs, false))');
    expect(expr('x := -1 - 2')).toBe('x := minus(-1, 2)');
  });

  it('parses refs, calls and composite literals', () => {
    expect(expr('input.a[x].b')).toBe('input["a"][x]["b"]');
    expect(expr('count(data.p[_]) > 0')).toBe('gt(count(data["p"][$q0]), 0)');
    expect(expr('x = {"a": [1, {2}], "b": set()}')).toBe('x = {"a": [1, {2}], "b": set()}');
  });

  it('tells comprehensions from sets and objects', () => {
    expect(expr('[x | some x in xs]')).toBe('[x | 1]');
    expect(expr('{x | x := 1}')).toBe('{x | 1}');
    expect(expr('{k: v | some k, v in o}')).toBe('{k: v | 1}');
    expect(expr('{a, b}')).toBe('{a, b}');
  });

  it('parses a v1 module with every rule form and keeps locations', () => {
    const m = parseModule(
      [
        'package nanopod.test',
        'import rego.v1',
        'import data.lib.util as u',
        'default allow := false',
        'allow if { input.ok; not input.banned }',
        'names contains n if some n in input.names',
        'obj[k] := v if { some k, v in input.o }',
        'f(x) := y if { y := x + 1 } else := 0',
        'p.q.r := 1',
      ].join('\n'),
      'm.rego',
    );
    expect(m.pkg).toEqual(['nanopod', 'test']);
    expect(m.imports.map((i) => i.alias)).toEqual([undefined, 'u']);
    expect(
      m.rules.map((r) => [
        r.isDefault,
        r.loc.row,
        r.head.contains !== undefined,
        r.head.args?.length ?? null,
        r.elseRule !== undefined,
      ]),
    ).toEqual([
      [true, 4, false, null, false],
      [false, 5, false, null, false],
      [false, 6, true, null, false],
      [false, 7, false, null, false],
      [false, 8, false, 1, true],
      [false, 9, false, null, false],
    ]);
    expect(m.rules[5].head.ref.map(show)).toEqual(['p', '"q"', '"r"']);
  });

  it('parses every, some declarations, with modifiers and negation', () => {
    const [e1] = parseQuery('every k, v in xs { v > k }');
    expect(e1.kind).toBe('every');
    const [e2] = parseQuery('some x, y');
    expect(e2.kind).toBe('some');
    const [e3] = parseQuery('not allow with input as {} with data.x as 1');
    expect(e3.negated).toBe(true);
    expect(e3.with.length).toBe(2);
  });

  it('separates body literals by newlines and semicolons', () => {
    expect(parseQuery('a = 1; b = 2\nc = 3').length).toBe(3);
    expect(parseQuery('x := [\n 1,\n 2\n]').length).toBe(1);
  });

  it('reports syntax errors with file, row and column', () => {
    try {
      parseModule('package p\n\nallow if {\n  x := \n}', 'bad.rego');
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(RegoParseFailure);
      const info = (e as RegoParseFailure).info;
      expect(info.code).toBe('rego_parse_error');
      expect(info.location?.file).toBe('bad.rego');
      expect(info.location?.row).toBe(5);
    }
  });

  it('turns hostile nesting into a parse error instead of exhausting the stack', () => {
    const deep = '['.repeat(20000) + ']'.repeat(20000);
    expect(() => parseModule(`package p\nx := ${deep}`, 'deep.rego')).toThrow(
      /maximum nesting depth/,
    );
    const parens = '('.repeat(50000) + '1' + ')'.repeat(50000);
    expect(() => parseQuery(`x := ${parens}`)).toThrow(RegoParseFailure);
  });

  it('accepts keywords as reference heads and keys', () => {
    const m = parseModule(
      'package p\nif.foo := 1\nx := input.if.contains\nimport.y := 2',
      'k.rego',
    );
    expect(m.rules.length).toBe(3);
  });
});
