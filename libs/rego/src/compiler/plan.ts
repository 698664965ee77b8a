import type { BuiltinDecl } from '../builtins/builtin.types';
import type { Loc } from '../syntax/ast';
import type { Value } from '../value';

/**
 * The evaluation plan: what the compiler hands the evaluator. Variables are frame slots, refs
 * into `data` carry their pre-resolved rule-tree node, bodies are already reordered for safety,
 * calls point at their built-in declaration or user function node.
 */
export type CTerm =
  /** `k`: keyOf(v), precomputed for constant keys of refs. */
  | { t: 'const'; v: Value; k?: string }
  | { t: 'var'; slot: number; name: string; loc?: Loc }
  | { t: 'array'; items: CTerm[] }
  | { t: 'set'; items: CTerm[] }
  | { t: 'object'; items: [CTerm, CTerm][] }
  /** A ref on a local value: head is any term (var, call, literal, comprehension). */
  | { t: 'ref'; head: CTerm; path: CTerm[] }
  | { t: 'input'; path: CTerm[] }
  /**
   * A ref from the data root; `node` is the rule-tree node its static prefix reaches (`depth`
   * keys); `open` when the ref may reach rules below that node (it ends there or continues with
   * a non-constant key), false when it leaves the rule tree (base data only below).
   */
  | { t: 'data'; path: CTerm[]; node: RuleNode; depth: number; open: boolean }
  /** `op`: the evaluator's inline fast-path code for the call (set on first evaluation). */
  | { t: 'call'; fn: CallTarget; args: CTerm[]; loc: Loc; op?: number }
  /** Comprehensions: `ls` is the first slot local to the closure (lower slots are captured). */
  | { t: 'arraycomp'; head: CTerm; body: CBody; ls: number; spread?: boolean }
  | { t: 'setcomp'; head: CTerm; body: CBody; ls: number }
  | { t: 'objectcomp'; key: CTerm; value: CTerm; body: CBody; ls: number }
  | { t: 'template'; parts: (string | CTerm)[]; loc: Loc };

export type CallTarget =
  | { kind: 'builtin'; name: string; decl: BuiltinDecl }
  | { kind: 'user'; name: string; node: RuleNode }
  /** Evaluator-handled relations and internals (`walk`, `print`, `internal.member_2`...). */
  | { kind: 'special'; name: string }
  /** Unknown at compile time (only reached when `with` replaces it, else an error). */
  | { kind: 'unknown'; name: string };

export interface CWith {
  /** 'input' | 'data' | 'fn' */
  kind: 'input' | 'data' | 'fn';
  path: string[];
  /** For functions: the replaced name. */
  fnName?: string;
  value: CTerm;
  /** For functions replaced by another function. */
  fnTarget?: CallTarget;
  loc: Loc;
}

export type CExprKind =
  | { k: 'term'; term: CTerm }
  | { k: 'unify'; a: CTerm; b: CTerm }
  | { k: 'some' }
  | { k: 'somein'; key?: CTerm; value: CTerm; coll: CTerm }
  | { k: 'every'; key?: CTerm; value: CTerm; domain: CTerm; body: CBody; ls: number };

export type CExpr = CExprKind & { neg: boolean; with: CWith[]; loc: Loc };

export type CBody = CExpr[];

export type RuleKind = 'complete' | 'set' | 'object' | 'function';

export interface CRule {
  kind: RuleKind;
  /** Path of the rule-tree node it belongs to (static prefix of the head ref). */
  path: string[];
  /** Dynamic keys after the static prefix (object rules, general ref heads). */
  keys: CTerm[];
  /** Head value (complete/object/function), element (set). */
  value: CTerm;
  params: CTerm[];
  body: CBody;
  frameSize: number;
  elseRule?: CRule;
  isDefault: boolean;
  loc: Loc;
  /** Head value is a constant: the first success decides (early exit). */
  constValue: boolean;
  text?: string;
  pkg: string[];
  /** The evaluator's compiled closures for this rule (built on its first evaluation). */
  code?: unknown;
}

export class RuleNode {
  readonly children = new Map<string, RuleNode>();
  /** Dense id within its tree (set by the compiler): index of the node in the memo table. */
  id = 0;
  /** On the root: number of nodes of the tree. */
  size = 0;
  rules: CRule[] = [];
  defaultRule?: CRule;
  kind?: RuleKind;
  /** Number of function parameters (functions only). */
  arity = -1;
  /** True when this node or a descendant has rules. */
  constructor(
    readonly path: string[],
    readonly key: string,
  ) {}
  get name(): string {
    return ['data', ...this.path].join('.');
  }
  child(key: string): RuleNode {
    let c = this.children.get(key);
    if (!c) {
      c = new RuleNode([...this.path, key], key);
      this.children.set(key, c);
    }
    return c;
  }
  get hasRules(): boolean {
    return this.rules.length > 0 || this.defaultRule !== undefined;
  }
}
