/**
 * http.send as OPA v1/topdown/http.go: request validation with OPA's messages, `raise_error`,
 * the per-query cache (the same request in one evaluation is sent once) and the inter-query
 * cache of `cache` / `force_cache` requests (Cache-Control max-age or Expires; a forced
 * duration), headers lower-cased to arrays, JSON bodies decoded. Hosts outside the policy's
 * network allow-list are refused ("unallowed host"), and nothing is allowed by default.
 */
import { BigNum, toNumber } from '../../number';
import { fromJSON, keyOf, RegoObject, RegoSet, type Value } from '../../value';
import {
  BuiltinError,
  BuiltinTypeError,
  hostAllowed,
  type BuiltinContext,
  type BuiltinRegistry,
} from '../builtin.types';
import { typeError } from '../args';
import { parseDuration } from '../time';
import { requestSync, type WireRequest } from './sync-request';

const NAME = 'http.send';
const ALLOWED_KEYS = [
  'method',
  'url',
  'body',
  'enable_redirect',
  'force_json_decode',
  'force_yaml_decode',
  'headers',
  'raw_body',
  'tls_use_system_certs',
  'tls_ca_cert',
  'tls_ca_cert_file',
  'tls_ca_cert_env_variable',
  'tls_client_cert',
  'tls_client_cert_file',
  'tls_client_cert_env_variable',
  'tls_client_key',
  'tls_client_key_file',
  'tls_client_key_env_variable',
  'tls_insecure_skip_verify',
  'tls_server_name',
  'timeout',
  'cache',
  'force_cache',
  'force_cache_duration_seconds',
  'raise_error',
  'caching_mode',
  'max_retry_attempts',
  'cache_ignored_headers',
];
const REQUIRED_KEYS = ['method', 'url'];
/** RFC 7231 6.1, as OPA's cacheableHTTPStatusCodes. */
const CACHEABLE = new Set([200, 203, 204, 206, 300, 301, 404, 405, 410, 414, 501]);
const DEFAULT_TIMEOUT_MS = 5000;

/** A set as OPA prints it in messages: `{"a", "b"}`. */
function setText(keys: string[]): string {
  return `{${keys
    .sort()
    .map((k) => JSON.stringify(k))
    .join(', ')}}`;
}

function validate(v: Value): RegoObject {
  if (!(v instanceof RegoObject)) throw typeError(NAME, 1, 'object', v);
  const keys = v.keys().map((k) => (typeof k === 'string' ? k : JSON.stringify(k)));
  const invalid = keys.filter((k) => !ALLOWED_KEYS.includes(k));
  if (invalid.length)
    throw new BuiltinTypeError(
      NAME,
      `operand 1 invalid request parameters(s): ${setText(invalid)}`,
    );
  const missing = REQUIRED_KEYS.filter((k) => !keys.includes(k));
  if (missing.length)
    throw new BuiltinTypeError(
      NAME,
      `operand 1 missing required request parameters(s): ${setText(missing)}`,
    );
  return v;
}

class NetworkError extends Error {}

function stringParam(req: RegoObject, key: string): string | undefined {
  const v = req.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new BuiltinError(NAME, `"${key}" must be a string`);
  return v;
}

function boolParam(req: RegoObject, key: string): boolean {
  const v = req.get(key);
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new BuiltinError(NAME, `"${key}" must be a boolean`);
  return v;
}

function timeoutMs(req: RegoObject): number {
  const v = req.get('timeout');
  if (v === undefined) return DEFAULT_TIMEOUT_MS;
  if (typeof v === 'number' || v instanceof BigNum) return toNumber(v) / 1e6;
  if (typeof v === 'string') return Number(parseDuration(v) / 1_000_000n);
  throw new BuiltinError(NAME, 'invalid timeout value');
}

/** The host of a URL without its port, as OPA's verifyURLHost. */
function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    throw new BuiltinError(NAME, `parse ${JSON.stringify(url)}: invalid URL`);
  }
}

function toWire(ctx: BuiltinContext, req: RegoObject): WireRequest {
  const url = stringParam(req, 'url')!;
  const host = hostOf(url);
  if (!hostAllowed(ctx.network, host)) throw new NetworkError(`unallowed host: ${host}`);
  const headers: Record<string, string> = {};
  const h = req.get('headers');
  if (h !== undefined) {
    if (!(h instanceof RegoObject)) throw new BuiltinError(NAME, 'invalid type for headers key');
    for (const [k, x] of h.entries()) headers[String(k)] = typeof x === 'string' ? x : String(x);
  }
  let body: string | undefined = stringParam(req, 'raw_body');
  const b = req.get('body');
  if (body === undefined && b !== undefined) {
    body = JSON.stringify(toPlain(b));
    headers['Content-Type'] ??= 'application/json';
  }
  return {
    method: (stringParam(req, 'method') ?? 'GET').toUpperCase(),
    url,
    headers,
    body,
    timeoutMs: timeoutMs(req),
    redirect: boolParam(req, 'enable_redirect'),
  };
}

function toPlain(v: Value): unknown {
  if (v instanceof RegoObject)
    return Object.fromEntries(v.entries().map(([k, x]) => [String(k), toPlain(x)]));
  if (v instanceof RegoSet) return v.sorted().map(toPlain);
  if (Array.isArray(v)) return v.map(toPlain);
  return v;
}

function response(req: RegoObject, wire: ReturnType<typeof requestSync>): Value {
  const headers: Record<string, string[]> = {};
  for (const [k, x] of wire.headers ?? []) (headers[k.toLowerCase()] ??= []).push(x);
  const raw = wire.body ?? '';
  const type = headers['content-type']?.[0] ?? '';
  let body: unknown = null;
  if (boolParam(req, 'force_json_decode') || /[/+]json\b/.test(type)) {
    try {
      body = JSON.parse(raw);
    } catch {
      body = null;
    }
  }
  return fromJSON({
    status: `${wire.status} ${wire.statusText ?? ''}`.trim(),
    status_code: wire.status,
    body,
    raw_body: raw,
    headers,
  });
}

/** Seconds a response may be reused for (Cache-Control max-age, else Expires), or 0. */
function freshFor(res: RegoObject): number {
  const headers = res.get('headers') as RegoObject;
  const cc = (headers.get('cache-control') as Value[] | undefined)?.join(',') ?? '';
  if (/no-store|no-cache/.test(cc)) return 0;
  const m = /max-age=(\d+)/.exec(cc);
  if (m) return Number(m[1]);
  const exp = (headers.get('expires') as Value[] | undefined)?.[0];
  if (typeof exp === 'string') return Math.max(0, (Date.parse(exp) - Date.now()) / 1000);
  return 0;
}

function errorResult(code: string, message: string): Value {
  return fromJSON({ status_code: 0, error: { code, message } });
}

function send(args: Value[], ctx: BuiltinContext): Value {
  const req = validate(args[0]);
  const raise = req.get('raise_error') !== false;
  // The same request within one evaluation is sent once (OPA's intra-query cache).
  const key = 'http.send:' + keyOf(req);
  const seen = ctx.cache.get(key);
  if (seen !== undefined) return seen;
  const interQuery = boolParam(req, 'cache') || boolParam(req, 'force_cache');
  const cached = interQuery ? ctx.network?.cache.get(key) : undefined;
  if (cached && cached.expiresAt > Date.now()) {
    ctx.cache.set(key, cached.value);
    return cached.value;
  }
  let result: Value;
  try {
    const wire = requestSync(toWire(ctx, req));
    if (!wire.ok) throw new NetworkError(wire.error ?? 'request failed');
    result = response(req, wire);
  } catch (e) {
    if (e instanceof BuiltinTypeError || !(e instanceof Error)) throw e;
    if (raise) throw e instanceof BuiltinError ? e : new BuiltinError(NAME, e.message);
    const code =
      e instanceof NetworkError ? 'eval_http_send_network_error' : 'eval_http_send_internal_error';
    result = errorResult(code, e.message.replace(/^http\.send: /, ''));
  }
  ctx.cache.set(key, result);
  if (
    interQuery &&
    result instanceof RegoObject &&
    CACHEABLE.has(result.get('status_code') as number)
  ) {
    const forced = req.get('force_cache_duration_seconds');
    const seconds =
      boolParam(req, 'force_cache') && typeof forced === 'number' ? forced : freshFor(result);
    if (seconds > 0)
      ctx.network?.cache.set(key, { value: result, expiresAt: Date.now() + seconds * 1000 });
  }
  return result;
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: NAME,
    args: ['object'],
    result: 'object',
    nondeterministic: true,
    impl: send,
  });
}
