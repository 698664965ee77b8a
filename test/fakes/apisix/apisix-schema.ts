/**
 * A small JSON-schema checker with the messages of the Lua validator APISIX uses
 * (api7/jsonschema), and default injection as APISIX does when it stores an object: what a
 * GET returns afterwards carries the defaults (`status: 1`, `scheme: "http"`, plugin defaults).
 */
export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, Schema>;
  patternProperties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minProperties?: number;
  oneOf?: Schema[];
  anyOf?: Schema[];
  default?: unknown;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeOk(want: string, v: unknown): boolean {
  const t = typeName(v);
  if (want === 'number') return t === 'number' || t === 'integer';
  return t === want;
}

/** Returns an error message in APISIX's words, or null; fills defaults into `value` in place. */
export function check(schema: Schema, value: unknown): string | null {
  if (schema.oneOf) {
    const passing = schema.oneOf.filter((s) => check(s, structuredClone(value)) === null);
    if (passing.length === 0) return 'value should match only one schema, but matches none';
    if (passing.length > 1)
      return 'value should match only one schema, but matches both schemas 1 and 2';
    check(passing[0], value); // again on the value itself: its defaults are stored
  }
  if (schema.anyOf && !schema.anyOf.some((s) => check(s, structuredClone(value)) === null)) {
    return 'value should match only one schema, but matches none';
  }
  if (schema.type && !typeOk(schema.type, value)) {
    return `wrong type: expected ${schema.type}, got ${typeName(value) === 'integer' ? 'number' : typeName(value)}`;
  }
  if (schema.enum && !schema.enum.some((e) => e === value)) {
    return 'matches none of the enum values';
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) {
      return `expected ${value} to be at least ${schema.minimum}`;
    }
    if (schema.maximum !== undefined && value > schema.maximum) {
      return `expected ${value} to be at most ${schema.maximum}`;
    }
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) {
      return `expected ${value} to be greater than ${schema.exclusiveMinimum}`;
    }
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      return `string too short, expected at least ${schema.minLength}, got ${value.length}`;
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      return `string too long, expected at most ${schema.maxLength}, got ${value.length}`;
    }
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) {
      return `failed to match pattern "${schema.pattern}" with "${value}"`;
    }
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      return `expect array to have at least ${schema.minItems} items`;
    }
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      return `expect array to have at most ${schema.maxItems} items`;
    }
    if (schema.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) {
      return 'expected unique items but items are not unique';
    }
    if (schema.items) {
      for (let i = 0; i < value.length; i++) {
        const err = check(schema.items, value[i]);
        if (err) return `failed to validate item ${i + 1}: ${err}`;
      }
    }
  }
  if (typeName(value) === 'object') {
    const obj = value as Record<string, unknown>;
    if (schema.minProperties !== undefined && Object.keys(obj).length < schema.minProperties) {
      return `expect object to have at least ${schema.minProperties} properties`;
    }
    for (const key of schema.required ?? []) {
      if (obj[key] === undefined) return `property "${key}" is required`;
    }
    const props = schema.properties ?? {};
    for (const [key, v] of Object.entries(obj)) {
      let sub: Schema | undefined = props[key];
      if (!sub && schema.patternProperties) {
        const hit = Object.entries(schema.patternProperties).find(([p]) => new RegExp(p).test(key));
        sub = hit?.[1];
      }
      if (!sub) {
        if (schema.additionalProperties === false) {
          return `additional properties forbidden, found ${key}`;
        }
        if (typeof schema.additionalProperties === 'object') sub = schema.additionalProperties;
      }
      if (sub) {
        const err = check(sub, v);
        if (err) return `property "${key}" validation failed: ${err}`;
      }
    }
    for (const [key, sub] of Object.entries(props)) {
      if (obj[key] === undefined && sub.default !== undefined) {
        obj[key] = structuredClone(sub.default);
      }
    }
  }
  return null;
}
