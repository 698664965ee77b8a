import autocannon from 'autocannon';
import { processCpuMs } from './process-cpu';

export interface LoadResult {
  rps: number;
  /** The server process's CPU time per answered request, in µs (NaN without a pid or /proc). */
  cpuUs: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export interface LoadTarget {
  url: string;
  headers: Record<string, string>;
  /** The serving process, for its CPU time per request. */
  pid?: number;
}

/** Loads `target` with autocannon from this process for `seconds`. */
export async function load(
  target: LoadTarget,
  seconds: number,
  connections: number,
): Promise<LoadResult> {
  const cpuBefore = target.pid ? processCpuMs(target.pid) : null;
  const result = await autocannon({
    url: target.url,
    headers: target.headers,
    duration: seconds,
    connections,
    pipelining: 1,
  });
  const cpuAfter = target.pid ? processCpuMs(target.pid) : null;
  return {
    rps: result.requests.average,
    cpuUs:
      cpuBefore === null || cpuAfter === null
        ? NaN
        : ((cpuAfter - cpuBefore) * 1000) / Math.max(1, result.requests.total),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** The median of each figure over the rounds; errors are summed. */
export function median(results: LoadResult[]): LoadResult {
  const mid = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  return {
    rps: mid(results.map((r) => r.rps)),
    cpuUs: mid(results.map((r) => r.cpuUs)),
    p50: mid(results.map((r) => r.p50)),
    p99: mid(results.map((r) => r.p99)),
    errors: results.reduce((n, r) => n + r.errors, 0),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
  };
}
