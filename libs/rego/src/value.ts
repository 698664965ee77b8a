import { BigNum, canonicalNumber, compareNum, numberFromBigInt } from './number';

export { BigNum } from './number';

/**
 * Rego values as the engine and the built-ins share them.
 *
 * - null, boolean, string: the JS primitives.
 * - number: a JS number for safe integers and ordinary doubles, a BigNum (number.ts) for
 *   integers beyond 2^53 and decimals a double does not hold exactly (OPA's numbers are exact).
 * - array: a JS array of values (treat as immutable once built).
 * - object: RegoObject (keys may be any value, not only strings).
 * - set: RegoSet.
 *
 * Undefined is not a value: functions return `undefined` for "no result".
 * Ordering follows OPA: null < boolean < number < string < array < object < set.
 */
export type Value = null | boolean | number | BigNum | string | Value[] | RegoObject | RegoSet;

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
  if (v instanceof BigNum) return v.key();
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
  if (v instanceof RegoObject) return 5;
  return v instanceof BigNum ? 2 : 6;
}

/** Total order of OPA (ast.Compare): by type, then by value; arrays/objects/sets element-wise. */
export function compare(a: Value, b: Value): number {
  // Fast paths: two strings, two numbers (small enough for V8 to inline into sort loops).
  const ta = typeof a;
  if (ta === typeof b && (ta === 'string' || ta === 'number'))
    return a! < b! ? -1 : a! > b! ? 1 : 0;
  return compareOther(a, b);
}

function compareOther(a: Value, b: Value): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return a === b ? 0 : a ? 1 : -1;
    case 2:
      return compareNum(a as number | BigNum, b as number | BigNum);
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

/** compare(a, b) > 0, with two strings compared inline (the elements of most sorted sets). */
export function greater(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a > b;
  return compare(a, b) > 0;
}

export function equals(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return compare(a, b) === 0;
}

/** Up to this many elements, sorting is an insertion sort (Array.prototype.sort allocates). */
const SMALL_SORT = 12;

/** An object whose keys are Rego values. Insertion order is kept; iteration for output sorts. */
export class RegoObject {
  protected map: Map<string, [Value, Value]>;
  /** sortedEntriesCached(): computed once, dropped when the object changes. */
  private sortedCache: [Value, Value][] | null = null;

  /** `map`: internal (LazyJSONObject starts without one). */
  constructor(map?: Map<string, [Value, Value]>) {
    this.map = map ?? new Map();
  }

  static fromEntries(entries: Iterable<[Value, Value]>): RegoObject {
    const o = new RegoObject();
    for (const [k, v] of entries) o.set(k, v);
    return o;
  }

  get size(): number {
    return this.map.size;
  }
  /** Entries held now (a lazily converted JSON object counts 0 until converted). */
  builtSize(): number {
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
  /** Lookup of a constant key whose `keyOf` is precomputed: `k === keyOf(key)`. */
  getConst(key: Value, k: string): Value | undefined {
    return this.map.get(k)?.[1];
  }
  /** Mutates: only while building a fresh object. */
  set(key: Value, value: Value): this {
    this.sortedCache = null;
    this.map.set(keyOf(key), [key, value]);
    return this;
  }
  /** set() with `k === keyOf(key)` precomputed (constant keys). Mutates: only while building. */
  setKeyed(key: Value, k: string, value: Value): this {
    this.sortedCache = null;
    this.map.set(k, [key, value]);
    return this;
  }
  delete(key: Value): boolean {
    this.sortedCache = null;
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
    const e = this.entries();
    if (e.length <= SMALL_SORT) {
      // Insertion sort: no allocation for the small objects decisions are made of.
      for (let i = 1; i < e.length; i++) {
        const x = e[i];
        let j = i - 1;
        for (; j >= 0 && greater(e[j][0], x[0]); j--) e[j + 1] = e[j];
        e[j + 1] = x;
      }
      return e;
    }
    return e.sort((x, y) => compare(x[0], y[0]));
  }
  /** The entries sorted by key, computed once per object: callers must not modify it. */
  sortedEntriesCached(): [Value, Value][] {
    return (this.sortedCache ??= this.sortedEntries());
  }
  clone(): RegoObject {
    return RegoObject.fromEntries(this.entries());
  }
}

/** A set of Rego values. */
export class RegoSet {
  private readonly map = new Map<string, Value>();
  /** sortedCached(): computed once, dropped when the set changes. */
  private sortedCache: Value[] | null = null;

  static of(values: Iterable<Value>): RegoSet {
    const s = new RegoSet();
    for (const v of values) s.add(v);
    return s;
  }

  get size(): number {
    return this.map.size;
  }
  builtSize(): number {
    return this.map.size;
  }
  has(v: Value): boolean {
    return this.map.has(keyOf(v));
  }
  /** Mutates: only while building a fresh set. */
  add(v: Value): this {
    this.sortedCache = null;
    this.map.set(keyOf(v), v);
    return this;
  }
  /** add() with `k === keyOf(v)` precomputed (constant elements). */
  addKeyed(v: Value, k: string): this {
    this.sortedCache = null;
    this.map.set(k, v);
    return this;
  }
  delete(v: Value): boolean {
    this.sortedCache = null;
    return this.map.delete(keyOf(v));
  }
  values(): Value[] {
    return [...this.map.values()];
  }
  sorted(): Value[] {
    const v = this.values();
    if (v.length <= SMALL_SORT) {
      for (let i = 1; i < v.length; i++) {
        const x = v[i];
        let j = i - 1;
        for (; j >= 0 && greater(v[j], x); j--) v[j + 1] = v[j];
        v[j + 1] = x;
      }
      return v;
    }
    return v.sort(compare);
  }
  /** The values sorted, computed once per set: callers must not modify it. */
  sortedCached(): Value[] {
    return (this.sortedCache ??= this.sorted());
  }
  clone(): RegoSet {
    return RegoSet.of(this.values());
  }
}

/** JSON (as JSON.parse returns it) to a Rego value. */
export function fromJSON(x: unknown): Value {
  if (x === null || x === undefined) return null;
  if (typeof x === 'boolean' || typeof x === 'string') return x;
  if (typeof x === 'number') return Number.isSafeInteger(x) ? x : canonicalNumber(x);
  if (typeof x === 'bigint') return numberFromBigInt(x);
  if (Array.isArray(x)) return x.map(fromJSON);
  if (x instanceof RegoObject || x instanceof RegoSet || x instanceof BigNum) return x;
  const o = new RegoObject();
  for (const [k, v] of Object.entries(x as Record<string, unknown>)) o.set(k, fromJSON(v));
  return o;
}

const hasOwn = Object.prototype.hasOwnProperty;
/** The map of lazy objects until they are materialized (never written). */
const NO_MAP = new Map<string, [Value, Value]>();

/**
 * A JSON object (input or base data) converted on demand: `input.a.b` converts only the
 * values on its way; the rest of the object is converted when something needs all of it
 * (iteration, size, equality, output). Same contents and key order as fromJSON.
 */
class LazyJSONObject extends RegoObject {
  private full = false;
  /** Converted composite members read so far: [key0, value0, key1, value1, ...]. */
  private conv: (string | Value)[] | null = null;

  constructor(private readonly raw: Record<string, unknown>) {
    super(NO_MAP);
  }

  private own(key: string): Value | undefined {
    const raw = this.raw;
    if (!hasOwn.call(raw, key)) return undefined;
    const x = raw[key];
    // Primitives need no conversion; composite values are converted once (same identity on
    // every read).
    if (typeof x !== 'object' || x === null) return fromJSON(x);
    let c = this.conv;
    if (c !== null) {
      for (let i = 0; i < c.length; i += 2) if (c[i] === key) return c[i + 1] as Value;
      if (c.length >= 32) {
        // Many members read one by one: convert the whole object (lookups by hash).
        this.materialize();
        return super.get(key);
      }
    } else c = this.conv = [];
    const v = fromJSONLazy(x);
    c.push(key, v);
    return v;
  }

  private materialize(): void {
    if (this.full) return;
    const map = new Map<string, [Value, Value]>();
    for (const key of Object.keys(this.raw)) {
      const x = this.raw[key];
      let v: Value | undefined;
      if (typeof x === 'object' && x !== null && this.conv !== null) {
        const c = this.conv;
        for (let i = 0; i < c.length; i += 2) if (c[i] === key) v = c[i + 1] as Value;
      }
      map.set(keyOf(key), [key, v === undefined ? fromJSONLazy(x) : v]);
    }
    this.map = map;
    this.full = true;
    this.conv = null;
  }

  override get size(): number {
    this.materialize();
    return super.size;
  }
  override get(key: Value): Value | undefined {
    if (this.full) return super.get(key);
    return typeof key === 'string' ? this.own(key) : undefined;
  }
  override has(key: Value): boolean {
    if (this.full) return super.has(key);
    return typeof key === 'string' && hasOwn.call(this.raw, key);
  }
  override getConst(key: Value, k: string): Value | undefined {
    if (this.full) return super.getByKeyOf(k);
    return typeof key === 'string' ? this.own(key) : undefined;
  }
  override getByKeyOf(k: string): Value | undefined {
    if (this.full) return super.getByKeyOf(k);
    // keyOf of a string is 's' + the string; JSON objects have string keys only.
    return k.charCodeAt(0) === 115 ? this.own(k.slice(1)) : undefined;
  }
  override set(key: Value, value: Value): this {
    this.materialize();
    return super.set(key, value);
  }
  override setKeyed(key: Value, k: string, value: Value): this {
    this.materialize();
    return super.setKeyed(key, k, value);
  }
  override delete(key: Value): boolean {
    this.materialize();
    return super.delete(key);
  }
  override keys(): Value[] {
    this.materialize();
    return super.keys();
  }
  override values(): Value[] {
    this.materialize();
    return super.values();
  }
  override entries(): [Value, Value][] {
    this.materialize();
    return super.entries();
  }
}

/** fromJSON, converting objects on demand (see LazyJSONObject): for input and base data. */
export function fromJSONLazy(x: unknown): Value {
  if (x === null || x === undefined) return null;
  if (typeof x !== 'object') return fromJSON(x);
  if (Array.isArray(x)) return x.map(fromJSONLazy);
  if (x instanceof RegoObject || x instanceof RegoSet || x instanceof BigNum) return x;
  return new LazyJSONObject(x as Record<string, unknown>);
}

/**
 * A Rego value to JSON as OPA serializes it: sets become sorted arrays, object keys that are
 * not strings are serialized to their JSON text (as OPA does). A BigNum becomes the nearest
 * JS number (JSON.parse could not give more); `toJSONText` (builtins/format) keeps its digits.
 */
export function toJSON(v: Value): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toJSON);
  if (v instanceof BigNum) return v.toNumber();
  if (v instanceof RegoSet) return v.sortedCached().map(toJSON);
  const out: Record<string, unknown> = {};
  for (const [k, x] of v.sortedEntriesCached()) {
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
  if (v instanceof RegoObject) return 'object';
  return v instanceof BigNum ? 'number' : 'set';
}
