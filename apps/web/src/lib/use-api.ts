import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api, Query } from '../api';

export interface ApiState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  /** True until the first answer (success or error) arrives. */
  loading: boolean;
  /** Fetches again now; resolves when the answer is in. */
  reload: () => Promise<void>;
  /** Replace the data locally (optimistic updates). */
  setData: (next: T | ((prev: T | undefined) => T)) => void;
}

/**
 * GETs `path` and keeps the answer. `pollMs` refetches on an interval while the tab is visible
 * (live pages such as sandboxes and nodes use 2000). `path: null` waits (nothing is fetched).
 *
 * @example
 *   const { data, error, loading, reload } = useApi<{ data: Sandbox[] }>('/v1/sandboxes', { pollMs: 2000 });
 */
export function useApi<T>(
  path: string | null,
  options: { pollMs?: number; query?: Query } = {},
): ApiState<T> {
  const [data, setDataState] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(path !== null);
  const queryKey = JSON.stringify(options.query ?? {});
  const generation = useRef(0);

  const load = useCallback(async () => {
    if (path === null) return;
    const mine = ++generation.current;
    try {
      const result = await api.get<T>(path, JSON.parse(queryKey) as Query);
      if (mine !== generation.current) return;
      setDataState(result);
      setError(undefined);
    } catch (err) {
      if (mine !== generation.current) return;
      setError(
        err instanceof ApiError ? err : new ApiError(0, 'client.error', (err as Error).message),
      );
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [path, queryKey]);

  useEffect(() => {
    setLoading(path !== null);
    void load();
    if (!options.pollMs || path === null) return () => void generation.current++;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void load();
    }, options.pollMs);
    return () => {
      clearInterval(timer);
      generation.current++;
    };
  }, [load, options.pollMs, path]);

  const setData = useCallback((next: T | ((prev: T | undefined) => T)) => {
    setDataState((prev) =>
      typeof next === 'function' ? (next as (p: T | undefined) => T)(prev) : next,
    );
  }, []);

  return { data, error, loading, reload: load, setData };
}

/** Polling shorthand: `usePoll('/v1/nodes', 2000)`. */
export function usePoll<T>(path: string | null, pollMs = 2000, query?: Query): ApiState<T> {
  return useApi<T>(path, { pollMs, query });
}
