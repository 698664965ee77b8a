/** json.filter, json.remove, json.patch (OPA v1/topdown/json.go). */
import { equals, RegoObject, RegoSet, typeName, Value } from '../value';
import { BuiltinTypeError, type BuiltinRegistry } from './builtin.types';
import { arr, obj, typeError } from './args';

function parsePath(name: string, p: Value): Value[] {
  if (typeof p === 'string') {
    if (p === '') return [];
    return p
      .replace(/^\/+/, '')
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  if (Array.isArray(p)) return p;
  throw new BuiltinTypeError(
    name,
    `operand 2 must be one of {set, array} containing string paths or array of path segments but got ${typeName(p)}`,
  );
}

function jsonPaths(name: string, v: Value): Value[][] {
  if (Array.isArray(v)) return v.map((p) => parsePath(name, p));
  if (v instanceof RegoSet) return v.sorted().map((p) => parsePath(name, p));
  throw typeError(name, 2, 'one of {set, array}', v);
}

/** Paths as a tree of objects with null leaves (pathsToObject). */
function pathsToObject(paths: Value[][]): RegoObject {
  const root = new RegoObject();
  for (const path of paths) {
    if (path.length === 0) continue;
    let node = root;
    let done = false;
    for (let i = 0; i < path.length - 1 && !done; i++) {
      const child = node.get(path[i]);
      if (child === undefined) {
        const o = new RegoObject();
        node.set(path[i], o);
        node = o;
      } else if (child === null) done = true;
      else node = child as RegoObject;
    }
    if (!done) node.set(path[path.length - 1], null);
  }
  return root;
}

/** ast.Object.Filter. */
function filterValue(v: Value, filter: Value): Value {
  if (filter === null) return v;
  const f = filter as RegoObject;
  if (Array.isArray(v)) {
    const out: Value[] = [];
    for (let i = 0; i < v.length; i++) {
      const sub = f.get(String(i));
      if (sub !== undefined) out.push(filterValue(v[i], sub));
    }
    return out;
  }
  if (v instanceof RegoSet) {
    const out = new RegoSet();
    for (const x of v.values()) {
      const sub = f.get(x);
      if (sub !== undefined) out.add(filterValue(x, sub));
    }
    return out;
  }
  if (v instanceof RegoObject) {
    const out = new RegoObject();
    for (const [k, sub] of f.entries()) {
      const x = v.get(k);
      if (x !== undefined) out.set(k, filterValue(x, sub));
    }
    return out;
  }
  return v;
}

function removeValue(a: Value, b: Value | undefined): Value | undefined {
  if (b === undefined) return a;
  if (b === null) return undefined;
  if (!(b instanceof RegoObject)) return a;
  if (a instanceof RegoObject) {
    const out = new RegoObject();
    for (const [k, v] of a.entries()) {
      const d = removeValue(v, b.get(k));
      if (d !== undefined) out.set(k, d);
    }
    return out;
  }
  if (a instanceof RegoSet) {
    const out = new RegoSet();
    for (const v of a.values()) {
      const d = removeValue(v, b.get(v));
      if (d !== undefined) out.add(d);
    }
    return out;
  }
  if (Array.isArray(a)) {
    const out: Value[] = [];
    for (let i = 0; i < a.length; i++) {
      const d = removeValue(a[i], b.get(String(i)));
      if (d !== undefined) out.push(d);
    }
    return out;
  }
  return a;
}

class PatchError extends Error {}

function arrayIndex(seg: Value, len: number, forInsert: boolean): number {
  if (forInsert && seg === '-') return len;
  const n =
    typeof seg === 'number'
      ? seg
      : typeof seg === 'string' && /^(0|[1-9][0-9]*)$/.test(seg)
        ? Number(seg)
        : NaN;
  if (!Number.isInteger(n) || n < 0 || n > (forInsert ? len : len - 1))
    throw new PatchError('index out of range');
  return n;
}

function child(node: Value, seg: Value): Value {
  let c: Value | undefined;
  if (node instanceof RegoObject) c = node.get(seg);
  else if (Array.isArray(node)) c = node[arrayIndex(seg, node.length, false)];
  else if (node instanceof RegoSet) c = node.has(seg) ? seg : undefined;
  if (c === undefined) throw new PatchError('path not found');
  return c;
}

function renderAt(node: Value, path: Value[]): Value {
  let cur = node;
  for (const seg of path) cur = child(cur, seg);
  return cur;
}

/** Returns a copy of node with fn applied at path's parent (copy-on-write along the path). */
function updateAt(
  node: Value,
  path: Value[],
  i: number,
  leaf: (parent: Value, seg: Value) => Value,
): Value {
  const seg = path[i];
  if (i === path.length - 1) return leaf(node, seg);
  const c = child(node, seg);
  const updated = updateAt(c, path, i + 1, leaf);
  if (node instanceof RegoObject) return node.clone().set(seg, updated);
  if (Array.isArray(node)) {
    const out = [...node];
    out[arrayIndex(seg, node.length, false)] = updated;
    return out;
  }
  const s = (node as RegoSet).clone();
  s.delete(c);
  return s.add(updated);
}

function insertAt(root: Value, path: Value[], value: Value): Value {
  if (path.length === 0) return value;
  return updateAt(root, path, 0, (parent, seg) => {
    if (parent instanceof RegoObject) return parent.clone().set(seg, value);
    if (Array.isArray(parent)) {
      const out = [...parent];
      out.splice(arrayIndex(seg, parent.length, true), 0, value);
      return out;
    }
    if (parent instanceof RegoSet) {
      if (!equals(seg, value)) throw new PatchError('set element and value differ');
      return parent.clone().add(value);
    }
    throw new PatchError('cannot insert into scalar');
  });
}

function deleteAt(root: Value, path: Value[]): Value {
  if (path.length === 0) return null;
  return updateAt(root, path, 0, (parent, seg) => {
    if (parent instanceof RegoObject) {
      if (!parent.has(seg)) throw new PatchError('path not found');
      const out = parent.clone();
      out.delete(seg);
      return out;
    }
    if (Array.isArray(parent)) {
      const out = [...parent];
      out.splice(arrayIndex(seg, parent.length, false), 1);
      return out;
    }
    if (parent instanceof RegoSet) {
      if (!parent.has(seg)) throw new PatchError('path not found');
      const out = parent.clone();
      out.delete(seg);
      return out;
    }
    throw new PatchError('cannot delete from scalar');
  });
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function applyPatches(target: Value, ops: Value[]): Value {
  let doc = target;
  for (const op of ops) {
    if (!(op instanceof RegoObject)) throw new PatchError('not an object');
    const kind = op.get('op');
    if (typeof kind !== 'string' || !OPS.has(kind)) throw new PatchError('bad op');
    const rawPath = op.get('path');
    if (rawPath === undefined) throw new PatchError("missing 'path' attribute");
    const path = parsePath('json.patch', rawPath);
    const attr = (name: string): Value => {
      const v = op.get(name);
      if (v === undefined) throw new PatchError(`missing '${name}' attribute`);
      return v;
    };
    switch (kind) {
      case 'add':
        doc = insertAt(doc, path, attr('value'));
        break;
      case 'remove':
        doc = deleteAt(doc, path);
        break;
      case 'replace': {
        const value = attr('value');
        doc = insertAt(deleteAt(doc, path), path, value);
        break;
      }
      case 'move': {
        const from = parsePath('json.patch', attr('from'));
        const chunk = renderAt(doc, from);
        doc = insertAt(deleteAt(doc, from), path, chunk);
        break;
      }
      case 'copy': {
        const from = parsePath('json.patch', attr('from'));
        doc = insertAt(doc, path, renderAt(doc, from));
        break;
      }
      case 'test':
        if (!equals(renderAt(doc, path), attr('value'))) throw new PatchError('test failed');
        break;
    }
  }
  return doc;
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'json.filter',
    args: ['object', { anyOf: ['array', 'set'] }],
    result: 'any',
    impl: (a) => {
      const o = obj('json.filter', a, 0);
      return filterValue(o, pathsToObject(jsonPaths('json.filter', a[1])));
    },
  });
  registry.register({
    name: 'json.remove',
    args: ['object', { anyOf: ['array', 'set'] }],
    result: 'any',
    impl: (a) => {
      const o = obj('json.remove', a, 0);
      return removeValue(o, pathsToObject(jsonPaths('json.remove', a[1])));
    },
  });
  registry.register({
    name: 'json.patch',
    args: ['any', 'array'],
    result: 'any',
    impl: (a) => {
      const ops = arr('json.patch', a, 1);
      try {
        return applyPatches(a[0], ops);
      } catch (e) {
        if (e instanceof PatchError || e instanceof BuiltinTypeError) return undefined;
        throw e;
      }
    },
  });
}
