import { Injectable } from '@nestjs/common';

/**
 * Whether this platform process is starting, serving or stopping. Loops that judge others by
 * silence (node health, sandbox lifecycle) ask it first: while the platform itself is going
 * away, or has only just come back, a missing heartbeat is the platform's doing, not the node's.
 */
@Injectable()
export class PlatformLifecycle {
  private readonly startedAtMs = Date.now();
  private stoppingSinceMs: number | null = null;

  /** Monotonic process time since this instance was created (not the injectable clock). */
  uptimeMs(): number {
    return Date.now() - this.startedAtMs;
  }

  get stopping(): boolean {
    return this.stoppingSinceMs !== null;
  }

  /** Called first thing on SIGTERM/SIGINT, before any module is torn down. */
  markStopping(): void {
    this.stoppingSinceMs ??= Date.now();
  }
}
