import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Clock, LeaderLock, NANOPOD_CONFIG, NanopodConfig, Reconciler } from '@nanopod/common';
import { DecisionLogRepository } from '../repositories/decision-log.repository';

const PRUNE_EVERY_MS = 10 * 60_000;
const DAY_MS = 24 * 3600_000;

/** Keeps the decision log within its retention (rows and age); one instance prunes at a time. */
@Injectable()
export class DecisionLogPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DecisionLogPruner.name);
  private readonly loop: Reconciler;
  private deletedLastPass = 0;
  private readonly maxRows: number;
  private readonly maxAgeDays: number;

  constructor(
    private readonly log: DecisionLogRepository,
    leader: LeaderLock,
    private readonly clock: Clock,
    @Inject(NANOPOD_CONFIG) config: NanopodConfig,
  ) {
    this.maxRows = config.policyDecisionLog?.maxRows ?? 10_000;
    this.maxAgeDays = config.policyDecisionLog?.maxAgeDays ?? 30;
    this.loop = new Reconciler(
      {
        name: 'policy_decision_log_prune',
        intervalMs: PRUNE_EVERY_MS,
        leader,
        clock,
        failureMessage: 'decision log pruning failed',
      },
      () => this.pruneOnce(),
    );
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** One pruning pass now (if this instance is the leader); returns rows deleted. */
  async prune(): Promise<number> {
    this.deletedLastPass = 0;
    const ran = await this.loop.runNow();
    return ran ? this.deletedLastPass : 0;
  }

  private async pruneOnce(): Promise<void> {
    const before = new Date(this.clock.nowMs() - this.maxAgeDays * DAY_MS);
    this.deletedLastPass = await this.log.prune(this.maxRows, before);
    if (this.deletedLastPass > 0)
      this.logger.log({ deleted: this.deletedLastPass }, 'decision log pruned');
  }
}
