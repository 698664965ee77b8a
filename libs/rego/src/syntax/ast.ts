import type { BigNum } from '../number';
import type { RegoLocation } from '../errors';

/**
 * The Rego AST (as OPA v1/ast/term.go, policy.go): every node has a location. Infix operators
 * are already calls to their built-in names (`a + b` is `plus(a, b)`), as OPA parses them.
 */
export type Loc = RegoLocation;

export type ScalarValue = null | boolean | number | BigNum | string;

export type Term =
  | { type: 'scalar'; value: ScalarValue; loc: Loc }
  | { type: 'var'; name: string; loc: Loc }
  /** terms[0] is the head (a var, or any term such as a call or a literal); the rest are keys. */
  | { type: 'ref'; terms: Term[]; loc: Loc }
  | { type: 'array'; items: Term[]; loc: Loc }
  | { type: 'set'; items: Term[]; loc: Loc }
  | { type: 'object'; items: [Term, Term][]; loc: Loc }
  /** `spread`: a template-string part with `with` (its values are the elements). */
  | { type: 'arraycomp'; head: Term; body: Body; loc: Loc; spread?: boolean }
  | { type: 'setcomp'; head: Term; body: Body; loc: Loc }
  | { type: 'objectcomp'; key: Term; value: Term; body: Body; loc: Loc }
  /** A call: `op` is the function's ref (`count`, `strings.replace_n`, `data.lib.f`). */
  | { type: 'call'; op: Term; args: Term[]; loc: Loc }
  /** `$"a {x} b"`: literal strings and embedded terms. */
  | { type: 'template'; parts: (string | Term)[]; loc: Loc };

export interface WithModifier {
  target: Term;
  value: Term;
  loc: Loc;
}

export type ExprKind =
  | { kind: 'term'; term: Term }
  | { kind: 'unify'; lhs: Term; rhs: Term }
  | { kind: 'assign'; lhs: Term; rhs: Term }
  | { kind: 'some'; vars: Term[] }
  /** `some k, v in coll` (key absent for `some v in coll`). */
  | { kind: 'somein'; key?: Term; value: Term; collection: Term }
  | { kind: 'every'; key?: Term; value: Term; domain: Term; body: Body };

export type Expr = ExprKind & { negated: boolean; with: WithModifier[]; loc: Loc };

export type Body = Expr[];

export interface RuleHead {
  /** The head reference: `p`, `p.q.r`, `p[x]` (for partial rules the key is the last term). */
  ref: Term[];
  /** Function parameters. */
  args?: Term[];
  /** Value term (`:=` / `=`); absent for `p if ...` (true) and for `contains`. */
  value?: Term;
  /** `p contains x` */
  contains?: Term;
  assign: boolean;
  loc: Loc;
}

export interface Rule {
  head: RuleHead;
  body: Body;
  isDefault: boolean;
  /** The else branch: same head ref and args, its own value and body. */
  elseRule?: Rule;
  loc: Loc;
  /** True when the body was written (false for `p := 1`). */
  hasBody: boolean;
  /** Source text of the rule (for rego.metadata and test names). */
  text?: string;
  /** METADATA annotations written above the rule. */
  annotations?: Record<string, unknown>;
}

export interface Import {
  path: Term;
  alias?: string;
  loc: Loc;
}

export interface Module {
  file: string;
  /** Package path without the `data` prefix, e.g. ['nanopod', 'subsidy']. */
  pkg: string[];
  pkgLoc: Loc;
  imports: Import[];
  rules: Rule[];
  /** METADATA annotations written above the package clause. */
  annotations?: Record<string, unknown>;
}

export const loc0 = (file: string): Loc => ({ file, row: 1, col: 1 });

export function scalar(value: ScalarValue, loc: Loc): Term {
  return { type: 'scalar', value, loc };
}
export function varTerm(name: string, loc: Loc): Term {
  return { type: 'var', name, loc };
}
