import { ValidationError } from '../errors/nanopod.error';

/** Deeper than any of our DTOs by far; class-validator and class-transformer recurse per level. */
export const JSON_MAX_DEPTH = 32;
/** Every value counts (keys' values and array elements); the largest DTO array is 10,000. */
export const JSON_MAX_VALUES = 20_000;

/**
 * Keys that reach an object's prototype when a library copies a parsed body with `obj[k] = v`
 * (class-transformer, lodash merges): refused rather than stripped, so nobody relies on them.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export const JsonBodyErrorCodes = {
  tooDeep: 'request.too_deep',
  tooManyValues: 'request.too_many_keys',
  forbiddenKey: 'request.forbidden_key',
  duplicateKey: 'request.duplicate_key',
  nulByte: 'request.nul_byte',
} as const;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Checks a JSON text's shape in one pass over its characters, before `JSON.parse` and the
 * validation pipe see it: nesting depth, number of values, prototype keys, duplicate keys
 * (`JSON.parse` keeps the last, another parser in front of us may keep the first) and NUL
 * characters in strings (paths, names and argv cannot hold one). Malformed JSON passes through
 * untouched for `JSON.parse` to refuse with its own error.
 */
export function assertJsonShape(text: string): void {
  // One key set per open object (null for arrays), innermost last.
  const scopes: (Set<string> | null)[] = [];
  let values = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (end < 0) return;
      const raw = text.slice(i, end + 1);
      const value = raw.includes('\\') ? decode(raw) : raw.slice(1, -1);
      if (value === undefined) return;
      if (value.includes('\u0000')) {
        throw new ValidationError(JsonBodyErrorCodes.nulByte, 'Strings may not contain NUL');
      }
      const scope = scopes[scopes.length - 1];
      if (expectKey && scope) {
        const key = value;
        if (FORBIDDEN_KEYS.has(key)) {
          throw new ValidationError(
            JsonBodyErrorCodes.forbiddenKey,
            `The key ${key} is not allowed`,
            {
              key,
            },
          );
        }
        if (scope.has(key)) {
          throw new ValidationError(
            JsonBodyErrorCodes.duplicateKey,
            `The key ${key} appears twice`,
            {
              key,
            },
          );
        }
        scope.add(key);
        expectKey = false;
      } else {
        values = count(values);
      }
      i = end;
      continue;
    }
    switch (c) {
      case 0x7b: // {
      case 0x5b: // [
        values = count(values);
        scopes.push(c === 0x7b ? new Set() : null);
        if (scopes.length > JSON_MAX_DEPTH) {
          throw new ValidationError(
            JsonBodyErrorCodes.tooDeep,
            `The request body is nested deeper than ${JSON_MAX_DEPTH} levels`,
            { max_depth: JSON_MAX_DEPTH },
          );
        }
        expectKey = c === 0x7b;
        break;
      case 0x7d: // }
      case 0x5d: // ]
        scopes.pop();
        expectKey = false;
        break;
      case 0x2c: // ,
        expectKey = scopes[scopes.length - 1] instanceof Set;
        break;
      case 0x3a: // :
        expectKey = false;
        break;
      default:
        // The first character of a number or literal counts once; the rest are skipped.
        if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x74 || c === 0x66 || c === 0x6e) {
          values = count(values);
          while (i + 1 < text.length && /[0-9a-zA-Z+\-.]/.test(text[i + 1])) i++;
        }
    }
  }
}

function count(values: number): number {
  if (values + 1 > JSON_MAX_VALUES) {
    throw new ValidationError(
      JsonBodyErrorCodes.tooManyValues,
      `The request body holds more than ${JSON_MAX_VALUES} values`,
      { max_values: JSON_MAX_VALUES },
    );
  }
  return values + 1;
}

/** Index of the quote closing the string opened at `start`, or -1 when it never closes. */
function stringEnd(text: string, start: number): number {
  for (let j = start + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j;
  }
  return -1;
}

function decode(raw: string): string | undefined {
  try {
    return JSON.parse(raw) as string;
  } catch {
    return undefined;
  }
}
