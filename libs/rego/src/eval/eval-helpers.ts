import { BigNum, RegoObject, RegoSet, type Value } from '../value';

/**
 * Text of a value inside a template string or print(): strings as they are at the top level,
 * everything else in Rego syntax (OPA's term String()).
 */
export function formatTemplateValue(v: Value): string {
  return typeof v === 'string' ? v : formatValue(v);
}

export function formatValue(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return formatNumber(v);
    case 'string':
      return JSON.stringify(v);
  }
  if (Array.isArray(v)) return '[' + v.map(formatValue).join(', ') + ']';
  if (v instanceof BigNum) return v.text;
  if (v instanceof RegoSet)
    return v.size === 0 ? 'set()' : '{' + v.sorted().map(formatValue).join(', ') + '}';
  return (
    '{' +
    (v as RegoObject)
      .sortedEntries()
      .map(([k, x]) => `${formatValue(k)}: ${formatValue(x)}`)
      .join(', ') +
    '}'
  );
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0);
  return String(n);
}

/** All [path, value] pairs of a document, pre-order (the `walk` relation). */
export function* walkPairs(v: Value, path: Value[] = []): Generator<Value> {
  yield [path, v];
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) yield* walkPairs(v[i], [...path, i]);
  } else if (v instanceof RegoObject) {
    for (const [k, x] of v.sortedEntries()) yield* walkPairs(x, [...path, k]);
  } else if (v instanceof RegoSet) {
    for (const x of v.sorted()) yield* walkPairs(x, [...path, x]);
  }
}

/*
 * OPA iterates objects and sets in sorted order (so comprehensions over them are ordered).
 * Values are immutable once built, so the sorted order is computed once per value (cached on
 * the value, dropped if it is changed while being built).
 */
export function sortedEntriesOf(o: RegoObject): [Value, Value][] {
  return o.sortedEntriesCached();
}

export function sortedValuesOf(s: RegoSet): Value[] {
  return s.sortedCached();
}
