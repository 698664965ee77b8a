import type { RegoErrorInfo } from '../errors';
import { walkBody, walkTerm } from './walk';
import type { CRule, CTerm, RuleNode } from './plan';

/**
 * Recursion check (OPA compile.go checkRecursion): rules may not depend on themselves through
 * any chain of references or calls. Reported once per cycle as `rego_recursion_error`.
 */
export function checkRecursion(root: RuleNode, errors: RegoErrorInfo[]): void {
  const ruleNodes: RuleNode[] = [];
  const collect = (n: RuleNode): void => {
    if (n.hasRules) ruleNodes.push(n);
    n.children.forEach(collect);
  };
  collect(root);
  const deps = new Map<RuleNode, Set<RuleNode>>();
  for (const n of ruleNodes) {
    const d = new Set<RuleNode>();
    const all: CRule[] = [...n.rules];
    if (n.defaultRule) all.push(n.defaultRule);
    for (let r of all) {
      for (;;) {
        const visit = (t: Parameters<Parameters<typeof walkTerm>[1]>[0]): void => {
          if (t.t === 'data') {
            if (t.open) reach(t.node, t.path, t.depth, d);
          } else if (t.t === 'call' && t.fn.kind === 'user') d.add(t.fn.node);
        };
        walkBody(r.body, visit);
        walkTerm(r.value, visit);
        r.keys.forEach((k) => walkTerm(k, visit));
        r.params.forEach((k) => walkTerm(k, visit));
        for (const e of r.body)
          for (const w of e.with) if (w.fnTarget?.kind === 'user') d.add(w.fnTarget.node);
        if (!r.elseRule) break;
        r = r.elseRule;
      }
    }
    deps.set(n, d);
  }
  // Iterative DFS (colors: 1 on the stack, 2 done): rule chains can be long.
  const state = new Map<RuleNode, number>();
  const reported = new Set<RuleNode>();
  for (const start of ruleNodes) {
    if (state.get(start)) continue;
    const path: RuleNode[] = [start];
    const iters: Iterator<RuleNode>[] = [(deps.get(start) ?? new Set<RuleNode>()).values()];
    state.set(start, 1);
    while (path.length) {
      const next = iters[iters.length - 1].next();
      if (next.done) {
        state.set(path.pop()!, 2);
        iters.pop();
        continue;
      }
      const m = next.value;
      const s = state.get(m);
      if (s === 1) {
        if (!reported.has(m)) {
          const cycle = path.slice(path.indexOf(m));
          cycle.forEach((c) => reported.add(c));
          const chain = [...cycle, m].map((c) => c.name).join(' -> ');
          const loc = (m.rules[0] ?? m.defaultRule)?.loc;
          errors.push({
            code: 'rego_recursion_error',
            message: `rule ${m.name} is recursive: ${chain}`,
            location: loc,
          });
        }
      } else if (!s) {
        state.set(m, 1);
        path.push(m);
        iters.push((deps.get(m) ?? new Set<RuleNode>()).values());
      }
    }
  }
}

/** Rule nodes a ref can reach: constant keys must match, others may be any child. */
function reach(n: RuleNode, path: CTerm[], i: number, out: Set<RuleNode>): void {
  if (n.hasRules) {
    out.add(n);
    return;
  }
  if (i === path.length) {
    under(n, out);
    return;
  }
  const k = path[i];
  if (k.t === 'const') {
    const c = typeof k.v === 'string' ? n.children.get(k.v) : undefined;
    if (c) reach(c, path, i + 1, out);
    return;
  }
  n.children.forEach((c) => reach(c, path, i + 1, out));
}

function under(n: RuleNode, out: Set<RuleNode>): void {
  if (n.hasRules) out.add(n);
  n.children.forEach((c) => under(c, out));
}
