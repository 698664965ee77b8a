import type { TypeDecl } from '../builtins/builtin.types';
import type { RegoErrorInfo } from '../errors';
import { typeName, type Value } from '../value';
import { walkBody, walkTerm } from './walk';
import type { CBody, CRule, CTerm, RuleNode } from './plan';
import { callArity } from './safety';

/**
 * Type checks on calls (OPA v1/ast/check.go, the part we do): arity of built-ins and user
 * functions. A call may pass one extra argument, the output (`count(x, n)`).
 */
function checkCall(t: CTerm, errors: RegoErrorInfo[]): void {
  if (t.t !== 'call') return;
  const ar = callArity(t);
  if (ar < 0) return;
  if (t.args.length !== ar && t.args.length !== ar + 1) {
    const what = t.args.length < ar ? 'too few arguments' : 'too many arguments';
    errors.push({
      code: 'rego_type_error',
      message: `${t.fn.name}: arity mismatch: ${what} (have ${t.args.length}, want ${ar})`,
      location: t.loc,
    });
    return;
  }
  if (t.fn.kind !== 'builtin') return;
  // Constant arguments of the wrong type are certain errors: report them at compile time.
  const decl = t.fn.decl;
  decl.args.forEach((want, i) => {
    const a = t.args[i];
    if (!a || a.t !== 'const' || accepts(want, a.v)) return;
    errors.push({
      code: 'rego_type_error',
      message: `${decl.name}: invalid argument(s): operand ${i + 1} must be ${describe(want)} but got ${typeName(a.v)}`,
      location: t.loc,
    });
  });
}

function accepts(want: TypeDecl, v: Value): boolean {
  if (typeof want === 'object') return want.anyOf.some((w) => accepts(w, v));
  if (want === 'any') return true;
  const have = typeName(v);
  if (want === 'collection') return have === 'array' || have === 'set' || have === 'object';
  return want === have;
}

function describe(want: TypeDecl): string {
  return typeof want === 'object' ? `one of {${want.anyOf.map(describe).join(', ')}}` : want;
}

export function checkCallsInBody(body: CBody, errors: RegoErrorInfo[]): void {
  walkBody(body, (t) => checkCall(t, errors));
}

export function checkCalls(root: RuleNode, errors: RegoErrorInfo[]): void {
  const visitRule = (r: CRule): void => {
    for (let x: CRule | undefined = r; x; x = x.elseRule) {
      checkCallsInBody(x.body, errors);
      walkTerm(x.value, (t) => checkCall(t, errors));
      x.keys.forEach((k) => walkTerm(k, (t) => checkCall(t, errors)));
    }
  };
  const visit = (n: RuleNode): void => {
    n.rules.forEach(visitRule);
    if (n.defaultRule) visitRule(n.defaultRule);
    n.children.forEach(visit);
  };
  visit(root);
}
