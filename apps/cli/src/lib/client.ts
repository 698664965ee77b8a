import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../generated/api-types';
import { apiFetch, ApiOptions, assertSignedIn, toCliError, unreachable } from './api';

/**
 * The platform API, typed from its OpenAPI document (apps/cli/src/generated, `npm run gen:api`).
 * Its requests ask for `application/json`, so only that content of a response is typed (exec's
 * NDJSON stream, for one, is read with apiFetch instead).
 */
export type ApiClient = Client<paths, 'application/json'>;

/**
 * A client for the platform at `opts.url`. Every request goes through `apiFetch` (token refresh,
 * bearer header, unreachable -> exit 3) and, unless `requireAuth` is false, refuses to go out
 * without credentials, exactly like `apiRequest`.
 *
 * @example
 *   const api = apiClient(resolveApiOptions(flags));
 *   const key = await unwrap(api.DELETE('/v1/api-keys/{id}', { params: { path: { id } } }));
 */
export function apiClient(opts: ApiOptions, { requireAuth = true } = {}): ApiClient {
  const client = createClient<paths, 'application/json'>({
    baseUrl: opts.url,
    headers: { accept: 'application/json' },
    fetch: (request: Request) => apiFetch(opts, request),
  });
  // Checks in apiRequest's order: credentials first, then the URL. openapi-fetch builds the
  // Request before it calls fetch, so a malformed --url throws a TypeError there; it must read
  // like any unreachable platform (exit 3), as in apiFetch.
  const guard =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (requireAuth) assertSignedIn(opts);
      try {
        return await call(...args);
      } catch (err) {
        if (err instanceof TypeError) throw unreachable(opts, err);
        throw err;
      }
    };
  return {
    ...client,
    GET: guard(client.GET),
    PUT: guard(client.PUT),
    POST: guard(client.POST),
    DELETE: guard(client.DELETE),
    PATCH: guard(client.PATCH),
    HEAD: guard(client.HEAD),
    OPTIONS: guard(client.OPTIONS),
    TRACE: guard(client.TRACE),
  } as ApiClient;
}

/** What every openapi-fetch call resolves to: data on 2xx, the parsed error body otherwise. */
type Outcome<D> = { data?: D; error?: unknown; response: Response };

/** The 2xx body of a typed call; any other answer becomes the CliError its body describes. */
export async function unwrap<D>(call: Promise<Outcome<D>>): Promise<D> {
  const { data, error, response } = await call;
  if (!response.ok) throw toCliError(response.status, error);
  return data as D;
}
