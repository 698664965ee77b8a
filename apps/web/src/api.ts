/**
 * The dashboard's one way to call the platform API. Same origin, session cookie included, JSON in
 * and out. Any non-2xx answer becomes an ApiError carrying the API's `{error:{code,message,details}}`.
 *
 * @example
 *   const keys = await api.get<{ data: ApiKey[] }>('/v1/api-keys');
 *   await api.post('/v1/api-keys', { name: 'ci', scopes: ['read'] });
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; details?: unknown };
}

/** Called on every 401 (the session may have ended); the /me context re-checks who is signed in. */
let unauthorizedListener: (() => void) | undefined;
export function onUnauthorized(listener: (() => void) | undefined): void {
  unauthorizedListener = listener;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null) qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

interface SendOptions {
  query?: Query;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Bytes sent as they are (file uploads) instead of `body` as JSON. */
  raw?: Blob | ArrayBuffer;
}

async function send(method: string, path: string, body: unknown, init: SendOptions) {
  const headers: Record<string, string> = { Accept: 'application/json', ...init.headers };
  if (init.raw !== undefined) headers['Content-Type'] ??= 'application/octet-stream';
  else if (body !== undefined) headers['Content-Type'] = 'application/json';
  try {
    return await fetch(withQuery(path, init.query), {
      method,
      credentials: 'include',
      headers,
      body: init.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
      signal: init.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network.unreachable', 'The platform could not be reached.');
  }
}

function parse(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function failure(res: Response, path: string, parsed: unknown): ApiError {
  if (res.status === 401 && path !== '/v1/me') unauthorizedListener?.();
  const e = (parsed && typeof parsed === 'object' ? (parsed as ErrorBody).error : undefined) ?? {};
  return new ApiError(
    res.status,
    typeof e.code === 'string' ? e.code : `http.${res.status}`,
    typeof e.message === 'string' ? e.message : res.statusText || `HTTP ${res.status}`,
    e.details,
  );
}

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  init: SendOptions = {},
): Promise<T> {
  const res = await send(method, path, body, init);
  const parsed = parse(await res.text());
  if (!res.ok) throw failure(res, path, parsed);
  return parsed as T;
}

/**
 * POSTs `body` and calls `onLine` with each NDJSON line as it arrives (exec output). A non-2xx
 * answer throws the API's error before any line.
 *
 * @example
 *   await streamLines(`/v1/sandboxes/${id}/exec`, { command: 'ls' }, (line) => show(line));
 */
export async function streamLines(
  path: string,
  body: unknown,
  onLine: (line: unknown) => void,
  signal?: AbortSignal,
): Promise<void> {
  const res = await send('POST', path, body, {
    signal,
    headers: { Accept: 'application/x-ndjson' },
  });
  if (!res.ok || !res.body) throw failure(res, path, parse(await res.text()));
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffered += value;
    const lines = buffered.split('\n');
    buffered = done ? '' : (lines.pop() ?? '');
    for (const line of lines) if (line.trim()) onLine(JSON.parse(line));
    if (done) return;
  }
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) =>
    request<T>('GET', path, undefined, { query, signal }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body ?? {}),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, body ?? {}),
  del: <T>(path: string) => request<T>('DELETE', path),
  /** PUTs bytes as they are (application/octet-stream). */
  putBytes: <T>(path: string, data: Blob, query?: Query) =>
    request<T>('PUT', path, undefined, { raw: data, query }),
};
