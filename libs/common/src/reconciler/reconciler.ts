import { Logger } from '@nestjs/common';
import { Clock, SystemClock, systemTimers, Timers } from '../clock/clock';
import type { LeaderLock } from '../leader/leader-lock';

export interface ReconcilerOptions {
  /** Names the loop in logs; with `leader`, also the lock's name (keep it stable). */
  name: string;
  /** Time between the end of one pass and the start of the next. */
  intervalMs: number;
  /** Spread of each delay as a fraction of it (0.1: ±10%), so replicas do not tick in step. */
  jitter?: number;
  /** When given, a pass runs only on the instance that holds the lock named `name`. */
  leader?: LeaderLock;
  /** After consecutive failures the delay doubles, up to this (default 8 intervals). */
  maxBackoffMs?: number;
  /** The first pass right at start instead of one interval later. */
  runOnStart?: boolean;
  /** The log line of a failed pass (default `<name> pass failed`), and its level. */
  failureMessage?: string;
  failureLevel?: 'warn' | 'error';
  clock?: Clock;
  timers?: Timers;
  random?: () => number;
}

/**
 * One periodic loop: interval with jitter, optional leader lock, exponential backoff after
 * failures, one pass at a time, and a stop that waits for the pass in flight. Every loop of
 * the platform (outbox shipper, health reconciler, lifecycle, refreshers, flushers) runs on
 * it, so start, stop, error and leader handling are written once.
 *
 * @example
 * const loop = new Reconciler({ name: 'billing.outbox-shipper', intervalMs: 1000, leader }, () =>
 *   shipper.drain(),
 * );
 * loop.start(); // onApplicationBootstrap
 * await loop.stop(); // onApplicationShutdown
 */
export class Reconciler {
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private handle: unknown = null;
  private inFlight: Promise<boolean> | null = null;
  private started = false;
  private stopped = false;
  private failures = 0;
  private lastSuccess: Date | null = null;
  private lastError: { at: Date; message: string } | null = null;

  constructor(
    private readonly options: ReconcilerOptions,
    private readonly body: () => Promise<unknown>,
  ) {
    this.logger = new Logger(`Reconciler ${options.name}`);
    this.clock = options.clock ?? new SystemClock();
    this.timers = options.timers ?? systemTimers;
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule(this.options.runOnStart ? 0 : this.nextDelay());
  }

  /** No pass starts after this; resolves once the pass in flight (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.handle !== null) this.timers.clearTimeout(this.handle);
    this.handle = null;
    await this.inFlight;
  }

  /**
   * One pass now, outside the schedule. A pass already in flight is awaited rather than run
   * twice at once. Resolves whether the body ran (false: another instance leads, or stopped).
   */
  runNow(): Promise<boolean> {
    if (this.inFlight) return this.inFlight;
    if (this.stopped) return Promise.resolve(false);
    this.inFlight = this.pass().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  /** Consecutive failed passes (0 after a success). */
  get consecutiveFailures(): number {
    return this.failures;
  }

  status(): { lastSuccessAt: Date | null; lastError: { at: Date; message: string } | null } {
    return { lastSuccessAt: this.lastSuccess, lastError: this.lastError };
  }

  /** The delay before the next pass: the interval, doubled per failure up to the cap, jittered. */
  nextDelay(): number {
    const { intervalMs } = this.options;
    const cap = this.options.maxBackoffMs ?? intervalMs * 8;
    const base =
      this.failures === 0
        ? intervalMs
        : Math.max(intervalMs, Math.min(cap, intervalMs * 2 ** this.failures));
    const jitter = this.options.jitter ?? 0.1;
    const random = this.options.random ?? Math.random;
    return Math.max(0, Math.round(base * (1 + jitter * (random() * 2 - 1))));
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.handle = this.timers.setTimeout(() => {
      this.handle = null;
      void this.runNow().finally(() => this.schedule(this.nextDelay()));
    }, ms);
  }

  private async pass(): Promise<boolean> {
    try {
      const { leader, name } = this.options;
      let ran = true;
      if (leader) ran = await leader.runIfLeader(name, async () => void (await this.body()));
      else await this.body();
      this.failures = 0;
      if (ran) this.lastSuccess = this.clock.now();
      return ran;
    } catch (err) {
      this.failures++;
      const message = (err as Error)?.message ?? String(err);
      this.lastError = { at: this.clock.now(), message };
      const line = this.options.failureMessage ?? `${this.options.name} pass failed`;
      if (this.options.failureLevel === 'error') this.logger.error({ err: message }, line);
      else this.logger.warn({ err: message, failures: this.failures }, line);
      return false;
    }
  }
}
