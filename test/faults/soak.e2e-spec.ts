import { runSoak } from '../../bench/soak/soak-run';
import { sandboxesRunHere } from '../e2e/support/node-agent-process';

/**
 * The soak (`npm run soak`) in short: 8 clients for 45 s with a graceful platform restart
 * 16 s after the previous one came back (two, usually), memory sampled every 10 s (what
 * survives a full collection must stay flat, RSS must stop growing). The 30-minute run is
 * `npm run soak`; this one keeps CI near its limit (~55 s; 60 s with 10 clients took ~70 s, and
 * its load slowed the suites beside it on 2 cores).
 * Sandboxes only where bubblewrap works.
 */
describe('soak, short', () => {
  it('loses and duplicates no usage across platform restarts under mixed traffic', async () => {
    const report = await runSoak({
      durationMs: 45_000,
      restartEveryMs: 16_000,
      clients: 8,
      sandboxes: sandboxesRunHere(),
    });
    const { memory, ...figures } = report;
    process.stdout.write(`soak: ${JSON.stringify(figures)}\n`);
    for (const m of memory) process.stdout.write(`soak memory: ${JSON.stringify(m)}\n`);
    expect(report.failures).toEqual([]);
    // A restart takes its own time on a busy machine: at least one, usually two.
    expect(report.restarts).toBeGreaterThanOrEqual(1);
    expect(report.api_requests_recorded).toBeGreaterThan(0);
    expect(report.usage_events).toBeGreaterThan(0);
  }, 360_000);
});
