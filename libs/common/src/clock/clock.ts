import { Global, Module } from '@nestjs/common';

/** Time comes from here, so tests can move it. */
export abstract class Clock {
  abstract now(): Date;
  nowMs(): number {
    return this.now().getTime();
  }
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
  override nowMs(): number {
    return Date.now();
  }
}

/** Where loops get their timers; real ones by default, a ManualClock's in unit tests. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers, unref'd: a pending loop never keeps the process alive. */
export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock tests set and advance by hand. Its `timers` fire only when `advance` passes their
 * time (in time order, the clock set to each one's time as it fires); nothing else uses them,
 * so a platform given a ManualClock keeps its loops on real timers.
 */
export class ManualClock extends Clock {
  private current: number;
  private pending: ManualTimer[] = [];
  private seq = 0;
  readonly timers: Timers = {
    setTimeout: (fn, ms) => {
      const timer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
      this.pending.push(timer);
      return timer;
    },
    clearTimeout: (handle) => {
      this.pending = this.pending.filter((t) => t !== handle);
    },
  };

  constructor(start: Date | number = Date.UTC(2026, 0, 1)) {
    super();
    this.current = typeof start === 'number' ? start : start.getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  set(to: Date | number): void {
    this.current = typeof to === 'number' ? to : to.getTime();
  }
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.pending
        .filter((t) => t.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.pending = this.pending.filter((t) => t !== due);
      this.current = due.at;
      due.fn();
    }
    this.current = target;
  }
  /** Timers waiting to fire (for tests). */
  pendingTimers(): number {
    return this.pending.length;
  }
}

@Global()
@Module({})
export class ClockModule {
  static forRoot(clock: Clock = new SystemClock()) {
    return {
      module: ClockModule,
      providers: [{ provide: Clock, useValue: clock }],
      exports: [Clock],
    };
  }
}
