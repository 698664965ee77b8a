import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@nanopod/common';
import { UsageRecorder } from '@nanopod/billing';
import { SandboxEntity, SandboxState } from '../entities/sandbox.entity';
import { SandboxesRepository } from '../repositories/sandboxes.repository';
import { canTransition, sourcesOf } from '../sandbox-state-machine';
import { usageBetween } from './sandbox-usage';

export interface TransitionOptions {
  /**
   * Only from these states (and only those the transition table allows); otherwise nothing
   * changes and null is returned.
   */
  from?: SandboxState[];
  patch?: Partial<SandboxEntity>;
  /** The row as the caller has it, to answer without reading it back (fast path only). */
  current?: SandboxEntity;
  /**
   * Leaving `running` without seeing it end (node lost, agent restarted): the last moment the
   * sandbox was known alive. Usage stops there, never at the moment the platform found out.
   */
  aliveUntil?: Date | null;
}

/** The end of a running interval: `now`, or the last moment known alive when that is earlier. */
function intervalEnd(from: Date, now: Date, aliveUntil?: Date | null): Date {
  if (aliveUntil === undefined) return now;
  const end = Math.min(now.getTime(), aliveUntil?.getTime() ?? from.getTime());
  return new Date(Math.max(from.getTime(), end));
}

/**
 * Every state change of a sandbox, in one transaction with its usage: leaving `running` records
 * the time since the last metering (UsageRecorder.record in the same transaction), so state and
 * usage commit together or not at all.
 */
@Injectable()
export class SandboxTransitions {
  private readonly logger = new Logger(SandboxTransitions.name);

  constructor(
    private readonly sandboxes: SandboxesRepository,
    private readonly usage: UsageRecorder,
    private readonly clock: Clock,
  ) {}

  async transition(
    id: string,
    to: SandboxState,
    reason: string | null,
    opts: TransitionOptions = {},
  ): Promise<SandboxEntity | null> {
    // Not from `running`: no usage to record, so one conditional UPDATE does (the create path
    // takes two of these, so it matters for start latency).
    const from = opts.from && sourcesOf(to, opts.from);
    if (from && from.length === 0) return null;
    if (from && !from.includes('running')) {
      const now = this.clock.now();
      const patch: Partial<SandboxEntity> = {
        state: to,
        stateReason: reason,
        updatedAt: now,
        ...opts.patch,
      };
      if (to === 'running') {
        patch.startedAt = patch.startedAt ?? now;
        patch.meteredUntil = now;
        patch.lastActivityAt = now;
        patch.stoppedAt = null;
      }
      if (!(await this.sandboxes.updateIfIn(id, from, patch))) return null;
      this.logger.log({ sandboxId: id, state: to, reason }, 'sandbox state changed');
      const base = opts.current ?? (await this.sandboxes.findById(id));
      return base ? ({ ...base, ...patch } as SandboxEntity) : null;
    }
    const result = await this.sandboxes.transaction(async (tx) => {
      const sb = await tx.lock(id);
      if (!sb) return null;
      if (from && !from.includes(sb.state)) return null;
      if (!canTransition(sb.state, to)) return null;
      const now = this.clock.now();
      const patch: Partial<SandboxEntity> = {
        state: to,
        stateReason: reason,
        updatedAt: now,
        ...opts.patch,
      };
      if (sb.state === 'running' && to !== 'running') {
        const from = sb.meteredUntil ?? sb.startedAt ?? now;
        const end = intervalEnd(from, now, opts.aliveUntil);
        await this.usage.record(tx.manager, usageBetween(sb, from, end));
        patch.meteredUntil = end;
        patch.stoppedAt = end;
      }
      if (to === 'running' && sb.state !== 'running') {
        patch.startedAt = patch.startedAt ?? now;
        patch.meteredUntil = now;
        patch.lastActivityAt = now;
        patch.stoppedAt = null;
      }
      await tx.update(id, patch);
      return { ...sb, ...patch } as SandboxEntity;
    });
    if (result) this.logger.log({ sandboxId: id, state: to, reason }, 'sandbox state changed');
    return result;
  }

  /**
   * Records usage of a running sandbox up to now (periodic metering), or only up to
   * `aliveUntil` (its node's last heartbeat): a node that went silent is not billed for the
   * silence until it says its sandboxes ran through it.
   */
  async meter(id: string, aliveUntil?: Date | null): Promise<void> {
    await this.sandboxes.transaction(async (tx) => {
      const sb = await tx.lock(id);
      if (!sb || sb.state !== 'running') return;
      const now = this.clock.now();
      const from = sb.meteredUntil ?? sb.startedAt ?? now;
      const end = intervalEnd(from, now, aliveUntil);
      if (end.getTime() <= from.getTime()) return;
      await this.usage.record(tx.manager, usageBetween(sb, from, end));
      await tx.update(id, { meteredUntil: end, updatedAt: now });
    });
  }
}
