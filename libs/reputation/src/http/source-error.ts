/** Why an external source gave no answer; becomes the `reason` of an `unknown` part. */
export type SourceFailureReason =
  | 'not_configured'
  | 'unreachable'
  | 'timeout'
  | 'rate_limited'
  | 'unauthorized'
  | 'not_found'
  | 'invalid_request'
  | 'bad_response';

/**
 * An external source (GitHub, Passport) could not answer. Not a NanopodError: it never reaches
 * a caller as such, it turns into an explicit `unknown` part of the reputation.
 */
export class SourceUnavailableError extends Error {
  constructor(
    readonly source: string,
    readonly reason: SourceFailureReason,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'SourceUnavailableError';
  }
}

/** Classifies a fetch() rejection: our own timeout, or the network (refused, reset, DNS). */
export function fetchFailure(source: string, err: unknown): SourceUnavailableError {
  const e = err as Error & { cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new SourceUnavailableError(source, 'timeout', `${source} did not answer in time`);
  }
  return new SourceUnavailableError(
    source,
    'unreachable',
    `${source} is unreachable (${e.cause?.code ?? e.message})`,
  );
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
