import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Clock, LeaderLock, NANOPOD_CONFIG, NanopodConfig } from '@nanopod/common';
import { DecisionLogRepository } from '../repositories/decision-log.repository';

const PRUNE_EVERY_MS = 10 * 60_000;
const DAY_MS = 24 * 3600_000;

/** Keeps the decision log within its retention (rows and age); one instance prunes at a time. */
@Injectable()
export class DecisionLogPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DecisionLogPruner.name);
  private timer?: NodeJS.Timeout;
  private readonly maxRows: number;
  private readonly maxAgeDays: number;

  constructor(
    private readonly log: DecisionLogRepository,
    private readonly leader: LeaderLock,
    private readonly clock: Clock,
    @Inject(NANOPOD_CONFIG) config: NanopodConfig,
  ) {
    this.maxRows = config.policyDecisionLog?.maxRows ?? 10_000;
    this.maxAgeDays = config.policyDecisionLog?.maxAgeDays ?? 30;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One pruning pass (if this instance is the leader); returns rows deleted. */
  async prune(): Promise<number> {
    let deleted = 0;
    try {
      await this.leader.runIfLeader('policy_decision_log_prune', async () => {
        const before = new Date(this.clock.nowMs() - this.maxAgeDays * DAY_MS);
        deleted = await this.log.prune(this.maxRows, before);
      });
      if (deleted > 0) this.logger.log({ deleted }, 'decision log pruned');
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'decision log pruning failed');
    }
    return deleted;
  }
}
