import { Logger } from '@nestjs/common';
import { Clock, LeaderLock } from '@nanopod/common';

export interface ReconcilerOptions {
  /** Names the leader lock: one instance of the loop runs at a time across replicas. */
  name: string;
  intervalMs: number;
  /** Longest wait after consecutive failures (doubling from intervalMs). */
  maxBackoffMs?: number;
  clock: Clock;
  leader: LeaderLock;
  /** One pass; `now` comes from the injected clock. */
  tick: (now: Date) => Promise<void>;
}

/**
 * A loop that runs `tick` every interval while this instance holds the leader lock, backs off
 * on errors, and stops cleanly (waits for a running pass). Tests drive it with `runOnce` on an
 * injected clock instead of waiting for timers.
 *
 * Kept here until libs/common has the shared primitive; it only needs common's LeaderLock and
 * Clock, so moving it is a rename.
 */
export class Reconciler {
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private failures = 0;
  private stopped = true;

  constructor(private readonly options: ReconcilerOptions) {
    this.logger = new Logger(`Reconciler:${options.name}`);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(this.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass now under the leader lock; returns whether this instance led it. */
  async runOnce(): Promise<boolean> {
    while (this.running) await this.running;
    let led = false;
    const pass = this.options.leader
      .runIfLeader(this.options.name, async () => {
        led = true;
        await this.options.tick(this.options.clock.now());
      })
      .then(() => undefined);
    this.running = pass;
    try {
      await pass;
      this.failures = 0;
      return led;
    } finally {
      this.running = null;
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.runOnce().then(
        () => this.schedule(this.options.intervalMs),
        (err: unknown) => {
          this.failures += 1;
          const backoff = Math.min(
            this.options.intervalMs * 2 ** this.failures,
            this.options.maxBackoffMs ?? 60_000,
          );
          this.logger.warn({ err: (err as Error).message, backoffMs: backoff }, 'pass failed');
          this.schedule(backoff);
        },
      );
    }, delayMs);
    this.timer.unref?.();
  }
}
