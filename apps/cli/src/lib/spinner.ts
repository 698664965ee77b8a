/**
 * Progress for long work. ora is ESM-only; Node 20.19+ loads it through require(esm), and when
 * stderr is not a terminal (CI, --json) the spinner stays silent.
 */
export interface Spinner {
  text: string;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

export async function startSpinner(text: string, opts: { json?: boolean } = {}): Promise<Spinner> {
  if (opts.json || !process.stderr.isTTY) {
    return { text, succeed: () => undefined, fail: () => undefined, stop: () => undefined };
  }
  const { default: ora } = await import('ora');
  return ora({ text, stream: process.stderr }).start();
}
