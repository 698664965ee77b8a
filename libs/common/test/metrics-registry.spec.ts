import { MetricsRegistry } from '@nanopod/common';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A full collection, with or without --expose-gc. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('MetricsRegistry', () => {
  it('serves the process metrics and its own', async () => {
    const metrics = new MetricsRegistry();
    metrics.httpDuration.labels('GET', '/v1/me', '200').observe(0.01);
    const text = await metrics.registry.metrics();
    expect(text).toContain('nanopod_process_cpu_user_seconds_total');
    expect(text).toContain('nanopod_nodejs_eventloop_lag_seconds');
    expect(text).toContain(
      'nanopod_http_request_duration_seconds_count{method="GET",route="/v1/me",status="200"} 1',
    );
  });

  it('lets a closed instance go: N platform starts in one process keep no registry each', async () => {
    const refs: WeakRef<object>[] = [];
    const oneInstance = async () => {
      const metrics = new MetricsRegistry();
      metrics.httpDuration.labels('GET', '/v1/me', '200').observe(0.01);
      await metrics.registry.metrics();
      refs.push(new WeakRef(metrics.registry), new WeakRef(metrics.httpDuration));
    };
    for (let i = 0; i < 20; i++) await oneInstance();
    // Past the turn that made them (a WeakRef target is kept until the current job ends).
    await new Promise((r) => setTimeout(r, 10));
    collectGarbage();
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
  });
});
