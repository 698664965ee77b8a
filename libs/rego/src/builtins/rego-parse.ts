/**
 * rego.parse_module (OPA v1/topdown/parse.go): a module's AST as OPA's JSON (v1/ast/term.go,
 * policy.go MarshalJSON, without locations): terms are `{"type", "value"}`, an expression is
 * `{"index", "terms"}` (a call's terms are its operator ref then its operands), a rule
 * `{"head", "body"}`, the module `{"package": {"path"}, "imports", "rules"}`.
 */
import { RegoParseFailure } from '../errors';
import type { Body, Expr, Import, Module, Rule, Term } from '../syntax/ast';
import { parseModule } from '../syntax/parser';
import { BigNum, RegoObject, type Value } from '../value';
import type { BuiltinRegistry } from './builtin.types';
import { fail, str } from './args';

function obj(entries: Array<[string, Value | undefined]>): RegoObject {
  const o = new RegoObject();
  for (const [k, v] of entries) if (v !== undefined) o.set(k, v);
  return o;
}

const term = (type: string, value: Value): RegoObject =>
  obj([
    ['type', type],
    ['value', value],
  ]);
const ref = (names: string[]): RegoObject =>
  term('ref', [term('var', names[0]), ...names.slice(1).map((n) => term('string', n))]);

function termJSON(t: Term): RegoObject {
  switch (t.type) {
    case 'scalar': {
      const v = t.value;
      if (v === null) return term('null', null);
      if (typeof v === 'boolean') return term('boolean', v);
      if (typeof v === 'number' || v instanceof BigNum) return term('number', v);
      return term('string', v);
    }
    case 'var':
      return term('var', t.name);
    case 'ref':
      return term('ref', t.terms.map(termJSON));
    case 'array':
      return term('array', t.items.map(termJSON));
    case 'set':
      return term('set', t.items.map(termJSON));
    case 'object':
      return term(
        'object',
        t.items.map(([k, v]) => [termJSON(k), termJSON(v)]),
      );
    case 'arraycomp':
      return term(
        'arraycomprehension',
        obj([
          ['term', termJSON(t.head)],
          ['body', bodyJSON(t.body)],
        ]),
      );
    case 'setcomp':
      return term(
        'setcomprehension',
        obj([
          ['term', termJSON(t.head)],
          ['body', bodyJSON(t.body)],
        ]),
      );
    case 'objectcomp':
      return term(
        'objectcomprehension',
        obj([
          ['key', termJSON(t.key)],
          ['value', termJSON(t.value)],
          ['body', bodyJSON(t.body)],
        ]),
      );
    case 'call':
      return term('call', [refJSON(t.op), ...t.args.map(termJSON)]);
    case 'template':
      return term(
        'templatestring',
        t.parts.map((p) => (typeof p === 'string' ? term('string', p) : termJSON(p))),
      );
  }
}

/** An operator or `with` target: a bare name is a one-term ref, as OPA parses it. */
function refJSON(t: Term): RegoObject {
  return t.type === 'var' ? term('ref', [term('var', t.name)]) : termJSON(t);
}

function exprTerms(e: Expr): Value {
  switch (e.kind) {
    case 'term':
      // A call in expression position is the expression's terms: operator, then operands.
      return e.term.type === 'call'
        ? [refJSON(e.term.op), ...e.term.args.map(termJSON)]
        : termJSON(e.term);
    case 'unify':
      return [ref(['eq']), termJSON(e.lhs), termJSON(e.rhs)];
    case 'assign':
      return [ref(['assign']), termJSON(e.lhs), termJSON(e.rhs)];
    case 'some':
      return obj([['symbols', e.vars.map(termJSON)]]);
    case 'somein':
      return obj([
        [
          'symbols',
          [
            term(
              'call',
              e.key
                ? [
                    ref(['internal', 'member_3']),
                    termJSON(e.key),
                    termJSON(e.value),
                    termJSON(e.collection),
                  ]
                : [ref(['internal', 'member_2']), termJSON(e.value), termJSON(e.collection)],
            ),
          ],
        ],
      ]);
    case 'every':
      return obj([
        ['key', e.key ? termJSON(e.key) : null],
        ['value', termJSON(e.value)],
        ['domain', termJSON(e.domain)],
        ['body', bodyJSON(e.body)],
      ]);
  }
}

function bodyJSON(body: Body): Value[] {
  return body.map((e, index) =>
    obj([
      ['index', index],
      ['negated', e.negated ? true : undefined],
      ['terms', exprTerms(e)],
      [
        'with',
        e.with.length
          ? e.with.map((w) =>
              obj([
                ['target', refJSON(w.target)],
                ['value', termJSON(w.value)],
              ]),
            )
          : undefined,
      ],
    ]),
  );
}

const TRUE_BODY = (): Value[] => [
  obj([
    ['index', 0],
    ['terms', term('boolean', true)],
  ]),
];

function ruleJSON(r: Rule): RegoObject {
  const h = r.head;
  const refTerms = h.ref.map(termJSON);
  const first = h.ref[0];
  const name = h.ref.length === 1 && first.type === 'var' ? first.name : undefined;
  const value = h.value ? termJSON(h.value) : h.contains ? undefined : term('boolean', true);
  return obj([
    ['default', r.isDefault ? true : undefined],
    [
      'head',
      obj([
        ['name', name],
        ['ref', refTerms],
        ['args', h.args?.map(termJSON)],
        ['key', h.contains ? termJSON(h.contains) : undefined],
        ['value', value],
        ['assign', h.assign ? true : undefined],
      ]),
    ],
    ['body', r.hasBody ? bodyJSON(r.body) : TRUE_BODY()],
    ['else', r.elseRule ? ruleJSON(r.elseRule) : undefined],
  ]);
}

function importJSON(i: Import): RegoObject {
  return obj([
    ['path', termJSON(i.path)],
    ['alias', i.alias],
  ]);
}

export function moduleJSON(m: Module): RegoObject {
  return obj([
    ['package', obj([['path', [term('var', 'data'), ...m.pkg.map((p) => term('string', p))]]])],
    ['imports', m.imports.length ? m.imports.map(importJSON) : undefined],
    ['rules', m.rules.length ? m.rules.map(ruleJSON) : undefined],
  ]);
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'rego.parse_module',
    args: ['string', 'string'],
    result: 'object',
    impl: (a) => {
      const file = str('rego.parse_module', a, 0);
      const source = str('rego.parse_module', a, 1);
      let m: Module;
      try {
        m = parseModule(source, file);
      } catch (e) {
        if (e instanceof RegoParseFailure) throw fail('rego.parse_module', e.message);
        throw e;
      }
      return moduleJSON(m);
    },
  });
}
