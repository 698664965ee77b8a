import { runSoak } from '../../bench/soak/soak-run';
import { sandboxesRunHere } from '../e2e/support/node-agent-process';

/**
 * The soak (`npm run soak`) in short: 20 clients for 30 s with a graceful platform restart
 * 10 s after the previous one came back. Sandboxes only where bubblewrap works.
 */
describe('soak, short', () => {
  it('loses and duplicates no usage across platform restarts under mixed traffic', async () => {
    const report = await runSoak({
      durationMs: 30_000,
      restartEveryMs: 10_000,
      clients: 20,
      sandboxes: sandboxesRunHere(),
    });
    process.stdout.write(`soak: ${JSON.stringify(report)}\n`);
    expect(report.failures).toEqual([]);
    // A restart takes its own time on a busy machine: at least one, usually two.
    expect(report.restarts).toBeGreaterThanOrEqual(1);
    expect(report.api_requests_recorded).toBeGreaterThan(0);
    expect(report.usage_events).toBeGreaterThan(0);
  }, 240_000);
});
