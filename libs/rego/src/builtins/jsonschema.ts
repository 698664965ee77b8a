/**
 * json.verify_schema / json.match_schema (OPA v1/topdown/jsonschema.go, gojsonschema): a JSON
 * Schema validator for the common keywords (type, properties, required, additionalProperties,
 * patternProperties, items, enum, const, numeric and length bounds, pattern, unique items,
 * allOf/anyOf/oneOf/not, local $ref) with gojsonschema's error shapes and messages.
 */
import { equals, fromJSON, RegoObject, toJSON, Value } from '../value';
import type { BuiltinRegistry } from './builtin.types';
import { fail, LruCache, typeError } from './args';
import { compileGo, goTest } from './re2';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface SchemaError {
  field: string;
  type: string;
  desc: string;
}

const PRIMITIVES = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string'];

class SchemaInvalid extends Error {}

function asJson(name: string, v: Value, pos: number): Json {
  if (typeof v === 'string') {
    try {
      return JSON.parse(v) as Json;
    } catch (e) {
      throw fail(name, `operand ${pos}: ${(e as Error).message}`);
    }
  }
  if (v instanceof RegoObject || typeof v === 'boolean') return toJSON(v) as Json;
  throw typeError(name, pos, 'one of {string, object, boolean}', v);
}

/** Checks the schema itself (the part of gojsonschema's meta-validation OPA cases exercise). */
function checkSchema(s: Json): void {
  if (typeof s === 'boolean') return;
  if (s === null || typeof s !== 'object' || Array.isArray(s))
    throw new SchemaInvalid('Invalid JSON schema: must be an object or a boolean');
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  for (const t of types) {
    if (typeof t !== 'string' || !PRIMITIVES.includes(t)) {
      throw new SchemaInvalid(
        `has a primitive type that is NOT VALID -- given: /${String(t)}/ Expected valid values are:[${PRIMITIVES.join(' ')}]`,
      );
    }
  }
  const sub = (x: Json | undefined) => x !== undefined && checkSchema(x);
  for (const key of ['properties', 'patternProperties', 'definitions', '$defs']) {
    const m = s[key];
    if (m && typeof m === 'object' && !Array.isArray(m)) for (const v of Object.values(m)) sub(v);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'])
    if (Array.isArray(s[key])) for (const v of s[key] as Json[]) sub(v);
  sub(s.not);
  if (Array.isArray(s.items)) s.items.forEach(sub);
  else sub(s.items);
  if (typeof s.additionalProperties === 'object') sub(s.additionalProperties);
  if (typeof s.pattern === 'string') {
    try {
      compileGo(s.pattern);
    } catch {
      throw new SchemaInvalid(`Invalid regex pattern '${s.pattern}'`);
    }
  }
}

function jsonType(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v === 'object' ? 'object' : typeof v;
}

function fieldOf(path: string[]): string {
  return path.length === 0 ? '(root)' : path.join('.');
}

class Validator {
  readonly errors: SchemaError[] = [];
  constructor(private readonly root: Json) {}

  private add(path: string[], type: string, desc: string): void {
    this.errors.push({ field: fieldOf(path), type, desc });
  }

  private resolve(ref: string): Json {
    if (!ref.startsWith('#')) throw new SchemaInvalid(`unsupported $ref ${ref}`);
    let cur: Json = this.root;
    for (const raw of ref
      .slice(1)
      .split('/')
      .filter((p) => p !== '')) {
      const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      if (cur === null || typeof cur !== 'object') throw new SchemaInvalid(`invalid $ref ${ref}`);
      cur = (cur as Record<string, Json>)[part];
    }
    if (cur === undefined) throw new SchemaInvalid(`invalid $ref ${ref}`);
    return cur;
  }

  /** Validates v; returns whether it is valid (errors are collected). */
  validate(v: Json, s: Json, path: string[]): boolean {
    const before = this.errors.length;
    if (s === true) return true;
    if (s === false) {
      this.add(path, 'false', 'False always fails validation');
      return false;
    }
    if (s === null || typeof s !== 'object' || Array.isArray(s)) return true;
    if (typeof s.$ref === 'string') return this.validate(v, this.resolve(s.$ref), path);
    const t = jsonType(v);
    if (s.type !== undefined) {
      const types = (Array.isArray(s.type) ? s.type : [s.type]) as string[];
      const ok = types.some((x) => x === t || (x === 'number' && t === 'integer'));
      if (!ok) {
        this.add(path, 'invalid_type', `Invalid type. Expected: ${types.join(', ')}, given: ${t}`);
        return false;
      }
    }
    if (Array.isArray(s.enum) && !s.enum.some((e) => equals(fromJSON(e), fromJSON(v)))) {
      this.add(
        path,
        'enum',
        `${fieldOf(path)} must be one of the following: ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`,
      );
    }
    if (s.const !== undefined && !equals(fromJSON(s.const), fromJSON(v))) {
      this.add(path, 'const', `${fieldOf(path)} does not match: ${JSON.stringify(s.const)}`);
    }
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = s[key];
      if (!Array.isArray(list)) continue;
      let passed = 0;
      for (const sub of list) {
        const v2 = new Validator(this.root);
        if (v2.validate(v, sub, path)) passed++;
        else if (key === 'allOf') this.errors.push(...v2.errors);
      }
      if (key === 'allOf' && passed < list.length)
        this.add(path, 'number_all_of', 'Must validate all the schemas (allOf)');
      if (key === 'anyOf' && passed === 0)
        this.add(path, 'number_any_of', 'Must validate at least one schema (anyOf)');
      if (key === 'oneOf' && passed !== 1)
        this.add(path, 'number_one_of', 'Must validate one and only one schema (oneOf)');
    }
    if (s.not !== undefined && new Validator(this.root).validate(v, s.not, path))
      this.add(path, 'number_not', 'Must not validate the schema (not)');
    if (typeof v === 'number') this.numeric(v, s, path);
    if (typeof v === 'string') this.string(v, s, path);
    if (Array.isArray(v)) this.array(v, s, path);
    if (t === 'object') this.object(v as Record<string, Json>, s, path);
    return this.errors.length === before;
  }

  private numeric(v: number, s: Record<string, Json>, path: string[]): void {
    const n = (k: string) => (typeof s[k] === 'number' ? (s[k] as number) : undefined);
    const min = n('minimum');
    const max = n('maximum');
    if (min !== undefined && (s.exclusiveMinimum === true ? v <= min : v < min)) {
      this.add(
        path,
        s.exclusiveMinimum === true ? 'number_gt' : 'number_gte',
        `Must be greater than ${s.exclusiveMinimum === true ? '' : 'or equal to '}${min}`,
      );
    }
    if (max !== undefined && (s.exclusiveMaximum === true ? v >= max : v > max)) {
      this.add(
        path,
        s.exclusiveMaximum === true ? 'number_lt' : 'number_lte',
        `Must be less than ${s.exclusiveMaximum === true ? '' : 'or equal to '}${max}`,
      );
    }
    const xmin = n('exclusiveMinimum');
    if (xmin !== undefined && v <= xmin)
      this.add(path, 'number_gt', `Must be greater than ${xmin}`);
    const xmax = n('exclusiveMaximum');
    if (xmax !== undefined && v >= xmax) this.add(path, 'number_lt', `Must be less than ${xmax}`);
    const mult = n('multipleOf');
    if (mult !== undefined && mult > 0 && Math.abs(v / mult - Math.round(v / mult)) > 1e-9)
      this.add(path, 'multiple_of', `Must be a multiple of ${mult}`);
  }

  private string(v: string, s: Record<string, Json>, path: string[]): void {
    const len = Array.from(v).length;
    if (typeof s.minLength === 'number' && len < s.minLength)
      this.add(path, 'string_gte', `String length must be greater than or equal to ${s.minLength}`);
    if (typeof s.maxLength === 'number' && len > s.maxLength)
      this.add(path, 'string_lte', `String length must be less than or equal to ${s.maxLength}`);
    if (typeof s.pattern === 'string' && !goTest(compileGo(s.pattern), v))
      this.add(path, 'pattern', `Does not match pattern '${s.pattern}'`);
  }

  private array(v: Json[], s: Record<string, Json>, path: string[]): void {
    if (typeof s.minItems === 'number' && v.length < s.minItems)
      this.add(path, 'array_min_items', `Array must have at least ${s.minItems} items`);
    if (typeof s.maxItems === 'number' && v.length > s.maxItems)
      this.add(path, 'array_max_items', `Array must have at most ${s.maxItems} items`);
    if (s.uniqueItems === true) {
      for (let i = 0; i < v.length; i++) {
        for (let j = i + 1; j < v.length; j++) {
          if (equals(fromJSON(v[i]), fromJSON(v[j])))
            this.add(path, 'unique', `array items[${i},${j}] must be unique`);
        }
      }
    }
    if (Array.isArray(s.items)) {
      v.forEach((x, i) => {
        const items = s.items as Json[];
        if (i < items.length) this.validate(x, items[i], [...path, String(i)]);
        else if (s.additionalItems !== undefined)
          this.validate(x, s.additionalItems, [...path, String(i)]);
      });
    } else if (s.items !== undefined)
      v.forEach((x, i) => this.validate(x, s.items as Json, [...path, String(i)]));
  }

  private object(v: Record<string, Json>, s: Record<string, Json>, path: string[]): void {
    const keys = Object.keys(v);
    if (typeof s.minProperties === 'number' && keys.length < s.minProperties)
      this.add(path, 'array_min_properties', `Must have at least ${s.minProperties} properties`);
    if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties)
      this.add(path, 'array_max_properties', `Must have at most ${s.maxProperties} properties`);
    if (Array.isArray(s.required)) {
      for (const r of s.required)
        if (typeof r === 'string' && !(r in v)) this.add(path, 'required', `${r} is required`);
    }
    const props = (s.properties ?? {}) as Record<string, Json>;
    const patterns = Object.entries((s.patternProperties ?? {}) as Record<string, Json>);
    for (const k of keys) {
      let matched = false;
      if (k in props) {
        matched = true;
        this.validate(v[k], props[k], [...path, k]);
      }
      for (const [p, sub] of patterns) {
        if (goTest(compileGo(p), k)) {
          matched = true;
          this.validate(v[k], sub, [...path, k]);
        }
      }
      if (!matched && s.additionalProperties !== undefined) {
        if (s.additionalProperties === false)
          this.add(
            path,
            'additional_property_not_allowed',
            `Additional property ${k} is not allowed`,
          );
        else this.validate(v[k], s.additionalProperties, [...path, k]);
      }
    }
  }
}

const schemaCache = new LruCache<SchemaInvalid | true>(128);

function verified(s: Json): void {
  const r = schemaCache.get(JSON.stringify(s), () => {
    try {
      checkSchema(s);
      return true;
    } catch (e) {
      if (e instanceof SchemaInvalid) return e;
      throw e;
    }
  });
  if (r !== true) throw r;
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'json.verify_schema',
    args: [{ anyOf: ['string', 'object', 'boolean'] }],
    result: 'array',
    impl: (a) => {
      const s = asJson('json.verify_schema', a[0], 1);
      try {
        verified(s);
        return [true, null];
      } catch (e) {
        if (e instanceof SchemaInvalid) return [false, `jsonschema: ${e.message}`];
        throw e;
      }
    },
  });
  registry.register({
    name: 'json.match_schema',
    args: [
      { anyOf: ['string', 'object', 'array', 'number', 'boolean', 'null'] },
      { anyOf: ['string', 'object', 'boolean'] },
    ],
    result: 'array',
    impl: (a) => {
      const doc =
        typeof a[0] === 'string' ? asJson('json.match_schema', a[0], 1) : (toJSON(a[0]) as Json);
      const s = asJson('json.match_schema', a[1], 2);
      try {
        verified(s);
        const v = new Validator(s);
        v.validate(doc, s, []);
        const errors = v.errors.map((e) =>
          fromJSON({ error: `${e.field}: ${e.desc}`, type: e.type, field: e.field, desc: e.desc }),
        );
        return [errors.length === 0, errors];
      } catch (e) {
        if (e instanceof SchemaInvalid) throw fail('json.match_schema', e.message);
        throw e;
      }
    },
  });
}
