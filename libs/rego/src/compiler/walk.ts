import type { CBody, CTerm } from './plan';

/** Visits every term of a plan term or body (closures included). */
export function walkTerm(t: CTerm, f: (t: CTerm) => void): void {
  f(t);
  switch (t.t) {
    case 'array':
    case 'set':
      t.items.forEach((x) => walkTerm(x, f));
      break;
    case 'object':
      t.items.forEach(([k, v]) => (walkTerm(k, f), walkTerm(v, f)));
      break;
    case 'ref':
      walkTerm(t.head, f);
      t.path.forEach((x) => walkTerm(x, f));
      break;
    case 'input':
    case 'data':
      t.path.forEach((x) => walkTerm(x, f));
      break;
    case 'call':
      t.args.forEach((x) => walkTerm(x, f));
      break;
    case 'template':
      t.parts.forEach((p) => typeof p !== 'string' && walkTerm(p, f));
      break;
    case 'arraycomp':
    case 'setcomp':
      walkTerm(t.head, f);
      walkBody(t.body, f);
      break;
    case 'objectcomp':
      walkTerm(t.key, f);
      walkTerm(t.value, f);
      walkBody(t.body, f);
      break;
  }
}

export function walkBody(b: CBody, f: (t: CTerm) => void): void {
  for (const e of b) {
    switch (e.k) {
      case 'term':
        walkTerm(e.term, f);
        break;
      case 'unify':
        walkTerm(e.a, f);
        walkTerm(e.b, f);
        break;
      case 'somein':
        if (e.key) walkTerm(e.key, f);
        walkTerm(e.value, f);
        walkTerm(e.coll, f);
        break;
      case 'every':
        if (e.key) walkTerm(e.key, f);
        walkTerm(e.value, f);
        walkTerm(e.domain, f);
        walkBody(e.body, f);
        break;
    }
    for (const w of e.with) walkTerm(w.value, f);
  }
}
