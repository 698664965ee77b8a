/**
 * Rego values as the engine and the built-ins share them.
 *
 * - null, boolean, string: the JS primitives.
 * - number: a JS number (OPA uses arbitrary precision; we use IEEE doubles, integers are exact
 *   up to 2^53).
 * - array: a JS array of values (treat as immutable once built).
 * - object: RegoObject (keys may be any value, not only strings).
 * - set: RegoSet.
 *
 * Undefined is not a value: functions return `undefined` for "no result".
 * Ordering follows OPA: null < boolean < number < string < array < object < set.
 */
export type Value = null | boolean | number | string | Value[] | RegoObject | RegoSet;

/** A stable string for a value, equal for equal values; the hash key of objects and sets. */
export function keyOf(v: Value): string {
  // Hot path (object lookups by string key): no quoting needed at the top level, since no
  // other kind of value has a key starting with 's'.
  if (typeof v === 'string') return 's' + v;
  return innerKeyOf(v);
}

/** Keys of values nested in arrays, objects and sets: strings quoted so commas cannot collide. */
function innerKeyOf(v: Value): string {
  if (v === null) return 'n';
  switch (typeof v) {
    case 'boolean':
      return v ? 't' : 'f';
    case 'number':
      return 'd' + (Object.is(v, -0) ? 0 : v);
    case 'string':
      return 's' + JSON.stringify(v);
  }
  if (Array.isArray(v)) return '[' + v.map(innerKeyOf).join(',') + ']';
  if (v instanceof RegoObject) {
    return (
      '{' +
      v
        .sortedEntries()
        .map(([k, x]) => innerKeyOf(k) + ':' + innerKeyOf(x))
        .join(',') +
      '}'
    );
  }
  return '<' + v.sorted().map(innerKeyOf).join(',') + '>';
}

function typeRank(v: Value): number {
  if (v === null) return 0;
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'number':
      return 2;
    case 'string':
      return 3;
  }
  if (Array.isArray(v)) return 4;
  return v instanceof RegoObject ? 5 : 6;
}

/** Total order of OPA (ast.Compare): by type, then by value; arrays/objects/sets element-wise. */
export function compare(a: Value, b: Value): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return a === b ? 0 : a ? 1 : -1;
    case 2:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 3:
      return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    case 4: {
      const x = a as Value[];
      const y = b as Value[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compare(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length < 0 ? -1 : x.length > y.length ? 1 : 0;
    }
    case 5: {
      const x = (a as RegoObject).sortedEntries();
      const y = (b as RegoObject).sortedEntries();
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const ck = compare(x[i][0], y[i][0]);
        if (ck !== 0) return ck;
        const cv = compare(x[i][1], y[i][1]);
        if (cv !== 0) return cv;
      }
      return x.length < y.length ? -1 : x.length > y.length ? 1 : 0;
    }
    default: {
      const x = (a as RegoSet).sorted();
      const y = (b as RegoSet).sorted();
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compare(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length < y.length ? -1 : x.length > y.length ? 1 : 0;
    }
  }
}

export function equals(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return compare(a, b) === 0;
}

/** An object whose keys are Rego values. Insertion order is kept; iteration for output sorts. */
export class RegoObject {
  private readonly map = new Map<string, [Value, Value]>();

  static fromEntries(entries: Iterable<[Value, Value]>): RegoObject {
    const o = new RegoObject();
    for (const [k, v] of entries) o.set(k, v);
    return o;
  }

  get size(): number {
    return this.map.size;
  }
  get(key: Value): Value | undefined {
    return this.map.get(keyOf(key))?.[1];
  }
  has(key: Value): boolean {
    return this.map.has(keyOf(key));
  }
  /** Lookup by a precomputed `keyOf(key)` (the evaluator hoists constant keys to compile time). */
  getByKeyOf(k: string): Value | undefined {
    return this.map.get(k)?.[1];
  }
  /** Mutates: only while building a fresh object. */
  set(key: Value, value: Value): this {
    this.map.set(keyOf(key), [key, value]);
    return this;
  }
  delete(key: Value): boolean {
    return this.map.delete(keyOf(key));
  }
  keys(): Value[] {
    return [...this.map.values()].map((e) => e[0]);
  }
  values(): Value[] {
    return [...this.map.values()].map((e) => e[1]);
  }
  entries(): [Value, Value][] {
    return [...this.map.values()];
  }
  sortedEntries(): [Value, Value][] {
    return this.entries().sort((x, y) => compare(x[0], y[0]));
  }
  clone(): RegoObject {
    return RegoObject.fromEntries(this.entries());
  }
}

/** A set of Rego values. */
export class RegoSet {
  private readonly map = new Map<string, Value>();

  static of(values: Iterable<Value>): RegoSet {
    const s = new RegoSet();
    for (const v of values) s.add(v);
    return s;
  }

  get size(): number {
    return this.map.size;
  }
  has(v: Value): boolean {
    return this.map.has(keyOf(v));
  }
  /** Mutates: only while building a fresh set. */
  add(v: Value): this {
    this.map.set(keyOf(v), v);
    return this;
  }
  delete(v: Value): boolean {
    return this.map.delete(keyOf(v));
  }
  values(): Value[] {
    return [...this.map.values()];
  }
  sorted(): Value[] {
    return this.values().sort(compare);
  }
  clone(): RegoSet {
    return RegoSet.of(this.values());
  }
}

/** JSON (as JSON.parse returns it) to a Rego value. */
export function fromJSON(x: unknown): Value {
  if (x === null || x === undefined) return null;
  if (typeof x === 'boolean' || typeof x === 'number' || typeof x === 'string') return x;
  if (Array.isArray(x)) return x.map(fromJSON);
  if (x instanceof RegoObject || x instanceof RegoSet) return x;
  const o = new RegoObject();
  for (const [k, v] of Object.entries(x as Record<string, unknown>)) o.set(k, fromJSON(v));
  return o;
}

/**
 * A Rego value to JSON as OPA serializes it: sets become sorted arrays, object keys that are
 * not strings are serialized to their JSON text (as OPA does).
 */
export function toJSON(v: Value): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toJSON);
  if (v instanceof RegoSet) return v.sorted().map(toJSON);
  const out: Record<string, unknown> = {};
  for (const [k, x] of v.sortedEntries()) {
    out[typeof k === 'string' ? k : JSON.stringify(toJSON(k))] = toJSON(x);
  }
  return out;
}

export function typeName(
  v: Value,
): 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'set' {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
  }
  if (Array.isArray(v)) return 'array';
  return v instanceof RegoObject ? 'object' : 'set';
}
