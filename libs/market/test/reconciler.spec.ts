import { ManualClock, LeaderLock } from '@nanopod/common';
import { Reconciler } from '@nanopod/market';

/** A leader lock that lets tests decide who leads (the real one needs a database). */
class TestLeaderLock {
  leading = true;
  async runIfLeader(_name: string, fn: () => Promise<void>): Promise<boolean> {
    if (!this.leading) return false;
    await fn();
    return true;
  }
}

describe('the reconciler helper', () => {
  const make = (tick: (now: Date) => Promise<void>, leader = new TestLeaderLock()) =>
    new Reconciler({
      name: 'test',
      intervalMs: 10,
      maxBackoffMs: 40,
      clock: new ManualClock(Date.UTC(2026, 0, 1)),
      leader: leader as unknown as LeaderLock,
      tick,
    });

  it('runs a pass with the injected time, only while leading', async () => {
    const seen: number[] = [];
    const leader = new TestLeaderLock();
    const loop = make(async (now) => void seen.push(now.getTime()), leader);
    expect(await loop.runOnce()).toBe(true);
    leader.leading = false;
    expect(await loop.runOnce()).toBe(false);
    expect(seen).toEqual([Date.UTC(2026, 0, 1)]);
  });

  it('keeps running after failures and stops cleanly, waiting for a running pass', async () => {
    let calls = 0;
    let release!: () => void;
    const loop = make(async () => {
      calls += 1;
      if (calls <= 2) throw new Error('boom');
      if (calls === 3) await new Promise<void>((r) => (release = r));
    });
    loop.start();
    const until = Date.now() + 10_000;
    while (calls < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    expect(calls).toBe(3);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(stopped).toBe(false);
    release();
    await stopping;
    const after = calls;
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toBe(after);
  });
});
