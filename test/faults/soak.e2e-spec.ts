import { runSoak } from '../../bench/soak/soak-run';
import { sandboxesRunHere } from '../e2e/support/node-agent-process';

/**
 * The soak (`npm run soak`) in short: 10 clients for 60 s with a graceful platform restart
 * 22 s after the previous one came back (two, usually), memory sampled every 10 s (what
 * survives a full collection must stay flat, RSS must stop growing). The 30-minute run is
 * `npm run soak`; this one keeps CI under its limit (~70 s; the 2-minute version took ~130 s).
 * Sandboxes only where bubblewrap works.
 */
describe('soak, short', () => {
  it('loses and duplicates no usage across platform restarts under mixed traffic', async () => {
    const report = await runSoak({
      durationMs: 60_000,
      restartEveryMs: 22_000,
      clients: 10,
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
