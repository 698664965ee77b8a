import { runSoak } from '../../bench/soak/soak-run';
import { sandboxesRunHere } from '../e2e/support/node-agent-process';

/**
 * The soak (`npm run soak`) in short: 10 clients for 2 minutes with a graceful platform restart
 * 45 s after the previous one came back, memory sampled every 20 s (what survives a full
 * collection must stay flat, RSS must stop growing). Half the soak's clients: the file takes
 * ~130 s alone (the 30 s version with 20 clients ~50 s) for about 30 s more CPU. Sandboxes only
 * where bubblewrap works.
 */
describe('soak, short', () => {
  it('loses and duplicates no usage across platform restarts under mixed traffic', async () => {
    const report = await runSoak({
      durationMs: 120_000,
      restartEveryMs: 45_000,
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
