/** Document merging: rule values written at paths, base and virtual documents merged under `data`. */
import { RegoEvalError, type RegoLocation } from '../errors';
import { RegoObject, RegoSet, equals, type Value } from '../value';
export function insertPath(out: RegoObject, keys: Value[], v: Value, loc: RegoLocation): void {
  let cur = out;
  for (let i = 0; i < keys.length - 1; i++) {
    let next = cur.get(keys[i]);
    if (next === undefined) {
      next = container(new RegoObject());
      cur.set(keys[i], next);
    } else if (!(next instanceof RegoObject)) {
      throw new RegoEvalError('eval_conflict_error', 'object keys must be unique', loc);
    }
    cur = next;
  }
  const last = keys[keys.length - 1];
  const prev = cur.get(last);
  cur.set(last, prev === undefined ? v : mergeValues(prev, v, loc));
}

/**
 * Objects built from rule paths (`p[q].r := ...` next to `p.a.r := ...`) merge; an object that
 * is one rule's value does not take keys from another rule (OPA: eval_conflict_error).
 */
export const containers = new WeakSet<RegoObject>();
export function container(o: RegoObject): RegoObject {
  containers.add(o);
  return o;
}

export function mergeStrict(a: RegoObject, b: RegoObject, loc?: RegoLocation): RegoObject {
  const o = container(a.clone());
  for (const [k, v] of b.entries()) {
    const p = o.get(k);
    o.set(k, p === undefined ? v : mergeValues(p, v, loc));
  }
  return o;
}

/** Two documents defined at the same path: objects merge, sets union, else they must be equal. */
export function mergeValues(a: Value, b: Value, loc?: RegoLocation): Value {
  if (
    a instanceof RegoObject &&
    b instanceof RegoObject &&
    containers.has(a) &&
    containers.has(b)
  ) {
    return mergeStrict(a, b, loc);
  }
  if (a instanceof RegoSet && b instanceof RegoSet) {
    const s = a.clone();
    for (const x of b.values()) s.add(x);
    return s;
  }
  if (!equals(a, b))
    throw new RegoEvalError('eval_conflict_error', 'object keys must be unique', loc);
  return a;
}

export function mergeObjects(a: RegoObject, b: RegoObject): RegoObject {
  const o = a.clone();
  for (const [k, v] of b.entries()) {
    const p = o.get(k);
    o.set(k, p instanceof RegoObject && v instanceof RegoObject ? mergeObjects(p, v) : v);
  }
  return o;
}

/** Copy of `doc` with `value` at `path` (objects created on the way). */
export function upsert(doc: Value | undefined, path: string[] | Value[], value: Value): Value {
  if (path.length === 0) return value;
  const o = doc instanceof RegoObject ? doc.clone() : new RegoObject();
  o.set(path[0], upsert(o.get(path[0]), path.slice(1), value));
  return o;
}
