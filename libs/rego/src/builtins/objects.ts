/** Object built-ins (OPA v1/topdown/object.go, subset.go). json.filter/remove/patch live in json-paths.ts. */
import { compare, equals, RegoObject, RegoSet, Value } from '../value';
import { BuiltinTypeError, type BuiltinRegistry } from './builtin.types';
import { arr, elementError, obj, typeError } from './args';

function keySet(name: string, v: Value): RegoSet {
  if (Array.isArray(v)) return RegoSet.of(v);
  if (v instanceof RegoSet) return v;
  if (v instanceof RegoObject) return RegoSet.of(v.keys());
  throw typeError(name, 2, 'one of {object, set, array}', v);
}

/** Recursive merge, right side wins (mergeWithOverwrite). */
export function mergeWithOverwrite(a: RegoObject, b: RegoObject): RegoObject {
  const out = a.clone();
  for (const [k, v] of b.entries()) {
    const orig = out.get(k);
    if (orig instanceof RegoObject && v instanceof RegoObject)
      out.set(k, mergeWithOverwrite(orig, v));
    else out.set(k, v);
  }
  return out;
}

/** Value at a path of keys/indices (ast.Value.Find); undefined when absent. */
export function findPath(root: Value, path: Value[]): Value | undefined {
  let cur: Value | undefined = root;
  for (const seg of path) {
    if (cur instanceof RegoObject) cur = cur.get(seg);
    else if (Array.isArray(cur))
      cur = typeof seg === 'number' && Number.isInteger(seg) ? cur[seg] : undefined;
    else if (cur instanceof RegoSet) cur = cur.has(seg) ? seg : undefined;
    else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

function objectSubset(sup: RegoObject, sub: RegoObject): boolean {
  for (const [k, subV] of sub.entries()) {
    const supV = sup.get(k);
    if (supV === undefined) return false;
    if (equals(subV, supV)) continue;
    if (supV instanceof RegoObject && subV instanceof RegoObject) {
      if (!objectSubset(supV, subV)) return false;
    } else if (supV instanceof RegoSet && subV instanceof RegoSet) {
      if (!setSubset(supV, subV)) return false;
    } else if (Array.isArray(supV) && Array.isArray(subV)) {
      if (!arraySubset(supV, subV)) return false;
    } else return false;
  }
  return true;
}

function setSubset(sup: RegoSet, sub: RegoSet): boolean {
  for (const v of sub.values()) if (!sup.has(v)) return false;
  return true;
}

function arraySubset(sup: Value[], sub: Value[]): boolean {
  if (sub.length > sup.length) return false;
  outer: for (let start = 0; start + sub.length <= sup.length; start++) {
    for (let j = 0; j < sub.length; j++) if (compare(sup[start + j], sub[j]) !== 0) continue outer;
    return true;
  }
  return false;
}

function arraySetSubset(sup: Value[], sub: RegoSet): boolean {
  let unmatched = sub.size;
  for (const v of sup) {
    if (sub.has(v)) unmatched--;
    if (unmatched === 0) return true;
  }
  return false;
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'object.get',
    args: ['object', 'any', 'any'],
    result: 'any',
    impl: (a) => {
      const o = obj('object.get', a, 0);
      const key = a[1];
      if (!Array.isArray(key)) return o.get(key) ?? a[2];
      if (key.length === 0) return o;
      return findPath(o, key) ?? a[2];
    },
  });
  registry.register({
    name: 'object.keys',
    args: ['object'],
    result: 'set',
    impl: (a) => RegoSet.of(obj('object.keys', a, 0).keys()),
  });
  registry.register({
    name: 'object.remove',
    args: ['object', 'any'],
    result: 'object',
    impl: (a) => {
      const o = obj('object.remove', a, 0);
      const keys = keySet('object.remove', a[1]);
      const out = new RegoObject();
      for (const [k, v] of o.entries()) if (!keys.has(k)) out.set(k, v);
      return out;
    },
  });
  registry.register({
    name: 'object.filter',
    args: ['object', 'any'],
    result: 'object',
    impl: (a) => {
      const o = obj('object.filter', a, 0);
      const keys = keySet('object.filter', a[1]);
      const out = new RegoObject();
      for (const [k, v] of o.entries()) if (keys.has(k)) out.set(k, v);
      return out;
    },
  });
  registry.register({
    name: 'object.union',
    args: ['object', 'object'],
    result: 'object',
    impl: (a) => mergeWithOverwrite(obj('object.union', a, 0), obj('object.union', a, 1)),
  });
  registry.register({
    name: 'object.union_n',
    args: ['array'],
    result: 'object',
    impl: (a) => {
      const xs = arr('object.union_n', a, 0);
      let out = new RegoObject();
      for (const x of xs) {
        if (!(x instanceof RegoObject)) throw elementError('object.union_n', 1, xs, 'object', x);
        out = mergeWithOverwrite(out, x);
      }
      return out;
    },
  });
  registry.register({
    name: 'object.subset',
    args: [{ anyOf: ['object', 'set', 'array'] }, { anyOf: ['object', 'set', 'array'] }],
    result: 'boolean',
    impl: ([sup, sub]) => {
      if (sup instanceof RegoObject && sub instanceof RegoObject) return objectSubset(sup, sub);
      if (sup instanceof RegoSet && sub instanceof RegoSet) return setSubset(sup, sub);
      if (Array.isArray(sup) && Array.isArray(sub)) return arraySubset(sup, sub);
      if (Array.isArray(sup) && sub instanceof RegoSet) return arraySetSubset(sup, sub);
      throw new BuiltinTypeError(
        'object.subset',
        'both arguments object.subset must be of the same type or array and set',
      );
    },
  });
}
