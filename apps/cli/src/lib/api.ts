import { CliError } from './errors';
import { readCredentials, writeCredentials } from './credentials';

export interface ApiOptions {
  url: string;
  /** API key or access token sent as Bearer. */
  token?: string;
}

export interface ApiErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

/** Where to talk to and with what: flags, then NANOPOD_URL / NANOPOD_API_KEY, then `nanopod login`. */
export function resolveApiOptions(flags: { url?: string; apiKey?: string }): ApiOptions {
  const stored = readCredentials();
  const url = (
    flags.url ??
    process.env.NANOPOD_URL ??
    stored?.url ??
    'http://localhost:8080'
  ).replace(/\/+$/, '');
  const token =
    flags.apiKey ?? process.env.NANOPOD_API_KEY ?? stored?.api_key ?? stored?.access_token;
  return { url, token };
}

/**
 * A small fetch wrapper: JSON in and out, the platform's error shape turned into CliError.
 * Typed route helpers live beside the generated OpenAPI types.
 */
export async function apiRequest<T>(
  opts: ApiOptions,
  method: string,
  path: string,
  body?: unknown,
  init: { headers?: Record<string, string>; rawBody?: BodyInit; requireAuth?: boolean } = {},
): Promise<T> {
  if (init.requireAuth !== false && !opts.token) {
    throw new CliError(
      'Not signed in: run `nanopod login`, or set NANOPOD_API_KEY',
      2,
      'cli.not_signed_in',
    );
  }
  opts = await withFreshToken(opts);
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${opts.url}${path}`, {
      method,
      headers,
      body: init.rawBody ?? (body !== undefined ? JSON.stringify(body) : undefined),
    });
  } catch (err) {
    throw new CliError(`Cannot reach ${opts.url}: ${(err as Error).message}`, 3, 'cli.unreachable');
  }
  const text = await res.text();
  const parsed: unknown = text ? safeJson(text) : undefined;
  if (!res.ok) {
    const e = (parsed as ApiErrorBody | undefined)?.error;
    throw new CliError(
      `${e?.message ?? `HTTP ${res.status}`}${e?.code ? ` (${e.code})` : ''}`,
      1,
      e?.code,
      e?.details,
    );
  }
  return parsed as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A stored access token about to expire is refreshed (and stored) before it is sent. */
async function withFreshToken(opts: ApiOptions): Promise<ApiOptions> {
  const stored = readCredentials();
  if (!opts.token || !stored?.access_token || opts.token !== stored.access_token) return opts;
  if (!stored.expires_at || stored.expires_at * 1000 > Date.now() + 30_000) return opts;
  const { refreshStored } = await import('./realm-client');
  const fresh = await refreshStored(stored);
  writeCredentials(fresh);
  return { ...opts, token: fresh.access_token };
}
