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

/** Refuses before any request goes out when there is nothing to authenticate with. */
export function assertSignedIn(opts: ApiOptions): void {
  if (!opts.token) {
    throw new CliError(
      'Not signed in: run `nanopod login`, or set NANOPOD_API_KEY',
      2,
      'cli.not_signed_in',
    );
  }
}

/** The platform's error shape (`{error:{code,message,details}}`, or anything else) as a CliError. */
export function toCliError(status: number, body: unknown): CliError {
  const e = (body as ApiErrorBody | undefined)?.error;
  return new CliError(
    `${e?.message ?? `HTTP ${status}`}${e?.code ? ` (${e.code})` : ''}`,
    1,
    e?.code,
    e?.details,
  );
}

/**
 * The one place a request leaves the CLI: the stored token refreshed if it is about to expire,
 * the bearer header set, and an unreachable platform turned into exit 3. HTTP error answers are
 * returned as they are (streams and downloads read them themselves; see `throwIfError`).
 * `input` is a path below `opts.url`, or a ready Request (what openapi-fetch hands over).
 */
export async function apiFetch(
  opts: ApiOptions,
  input: string | Request,
  init: RequestInit = {},
): Promise<Response> {
  const fresh = await withFreshToken(opts);
  try {
    const request = typeof input === 'string' ? new Request(`${opts.url}${input}`, init) : input;
    if (fresh.token) request.headers.set('authorization', `Bearer ${fresh.token}`);
    return await fetch(request);
  } catch (err) {
    throw unreachable(opts, err);
  }
}

export function unreachable(opts: ApiOptions, err: unknown): CliError {
  return new CliError(`Cannot reach ${opts.url}: ${(err as Error).message}`, 3, 'cli.unreachable');
}

/** A non-2xx answer becomes the CliError its body describes. */
export async function throwIfError(res: Response): Promise<void> {
  if (res.ok) return;
  const text = await res.text().catch(() => '');
  throw toCliError(res.status, text ? safeJson(text) : undefined);
}

/**
 * Untyped JSON request, for callers outside the generated client (see lib/client.ts, which the
 * commands use): JSON in and out, the platform's error shape turned into CliError.
 */
export async function apiRequest<T>(
  opts: ApiOptions,
  method: string,
  path: string,
  body?: unknown,
  init: { headers?: Record<string, string>; rawBody?: BodyInit; requireAuth?: boolean } = {},
): Promise<T> {
  if (init.requireAuth !== false) assertSignedIn(opts);
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await apiFetch(opts, path, {
    method,
    headers,
    body: init.rawBody ?? (body !== undefined ? JSON.stringify(body) : undefined),
  });
  await throwIfError(res);
  const text = await res.text();
  return (text ? safeJson(text) : undefined) as T;
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
