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

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  init: { query?: Query; signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...init.headers };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(withQuery(path, init.query), {
      method,
      credentials: 'include',
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: init.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network.unreachable', 'The platform could not be reached.');
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!res.ok) {
    if (res.status === 401 && path !== '/v1/me') unauthorizedListener?.();
    const e =
      (parsed && typeof parsed === 'object' ? (parsed as ErrorBody).error : undefined) ?? {};
    throw new ApiError(
      res.status,
      typeof e.code === 'string' ? e.code : `http.${res.status}`,
      typeof e.message === 'string' ? e.message : res.statusText || `HTTP ${res.status}`,
      e.details,
    );
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) =>
    request<T>('GET', path, undefined, { query, signal }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body ?? {}),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, body ?? {}),
  del: <T>(path: string) => request<T>('DELETE', path),
};
