import { LeaderLock, ManualClock, Reconciler, ReconcilerOptions } from '@nanopod/common';

/** Lets the promise chains a fired timer started run to their end. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** The in-process leader lock of the embedded (PGlite) default: no database round trip. */
const inProcessLeader = () =>
  new LeaderLock(null as never, { kind: 'pglite' } as ConstructorParameters<typeof LeaderLock>[1]);

describe('Reconciler', () => {
  let clock: ManualClock;
  const loop = (body: () => Promise<unknown>, options: Partial<ReconcilerOptions> = {}) =>
    new Reconciler(
      { name: 'test.loop', intervalMs: 1000, jitter: 0, clock, timers: clock.timers, ...options },
      body,
    );

  beforeEach(() => {
    clock = new ManualClock();
  });

  it('runs a pass every interval, measured from the end of the previous pass', async () => {
    let runs = 0;
    const r = loop(async () => void runs++);
    r.start();
    clock.advance(999);
    await settle();
    expect(runs).toBe(0);
    clock.advance(1);
    await settle();
    expect(runs).toBe(1);
    clock.advance(1000);
    await settle();
    expect(runs).toBe(2);
    await r.stop();
  });

  it('runs the first pass at once with runOnStart', async () => {
    let runs = 0;
    const r = loop(async () => void runs++, { runOnStart: true });
    r.start();
    clock.advance(0);
    await settle();
    expect(runs).toBe(1);
    await r.stop();
  });

  it('spreads delays by the jitter fraction', () => {
    const high = loop(async () => undefined, { jitter: 0.2, random: () => 1 });
    const low = loop(async () => undefined, { jitter: 0.2, random: () => 0 });
    expect(high.nextDelay()).toBe(1200);
    expect(low.nextDelay()).toBe(800);
  });

  it('backs off exponentially after failures, up to the cap, and resets on success', async () => {
    let fail = true;
    let runs = 0;
    const r = loop(
      async () => {
        runs++;
        if (fail) throw new Error('database down');
      },
      { maxBackoffMs: 5000 },
    );
    r.start();
    clock.advance(1000);
    await settle();
    expect(r.consecutiveFailures).toBe(1);
    expect(r.nextDelay()).toBe(2000);
    clock.advance(1999);
    await settle();
    expect(runs).toBe(1);
    clock.advance(1);
    await settle();
    expect(runs).toBe(2);
    expect(r.nextDelay()).toBe(4000);
    clock.advance(4000);
    await settle();
    expect(runs).toBe(3);
    expect(r.nextDelay()).toBe(5000); // 8000 capped
    expect(r.status().lastError).toEqual({ at: clock.now(), message: 'database down' });
    fail = false;
    clock.advance(5000);
    await settle();
    expect(runs).toBe(4);
    expect(r.consecutiveFailures).toBe(0);
    expect(r.nextDelay()).toBe(1000);
    expect(r.status().lastSuccessAt).toEqual(clock.now());
    await r.stop();
  });

  it('never runs two passes at once: runNow during a pass waits for it', async () => {
    const gate = deferred();
    let runs = 0;
    const r = loop(async () => {
      runs++;
      await gate.promise;
    });
    const first = r.runNow();
    const second = r.runNow();
    expect(runs).toBe(1);
    gate.resolve();
    await expect(Promise.all([first, second])).resolves.toEqual([true, true]);
    expect(runs).toBe(1);
  });

  it('stops cleanly: waits for the pass in flight and schedules nothing after it', async () => {
    const gate = deferred();
    let finished = false;
    const r = loop(async () => {
      await gate.promise;
      finished = true;
    });
    r.start();
    clock.advance(1000);
    let stopped = false;
    const stopping = r.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(finished).toBe(true);
    await settle();
    expect(clock.pendingTimers()).toBe(0);
    await expect(r.runNow()).resolves.toBe(false);
  });

  it('runs the body only on the instance holding the leader lock', async () => {
    const leader = inProcessLeader();
    let runs = 0;
    const r = loop(async () => void runs++, { leader });
    const held = deferred();
    const holder = leader.runIfLeader('test.loop', () => held.promise);
    await expect(r.runNow()).resolves.toBe(false);
    expect(runs).toBe(0);
    held.resolve();
    await holder;
    await expect(r.runNow()).resolves.toBe(true);
    expect(runs).toBe(1);
  });
});
