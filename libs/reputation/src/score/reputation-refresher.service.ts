import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Clock, LeaderLock, NANOPOD_CONFIG, NanopodConfig, Reconciler } from '@nanopod/common';
import { reputationConfig } from '../reputation.config';
import { ReputationService } from './reputation.service';

const BATCH = 25;

/** The scheduled refresh: one leader among platform replicas recomputes stale scores. */
@Injectable()
export class ReputationRefresher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReputationRefresher.name);
  private readonly loop: Reconciler;

  constructor(
    private readonly reputation: ReputationService,
    leader: LeaderLock,
    clock: Clock,
    @Inject(NANOPOD_CONFIG) config: NanopodConfig,
  ) {
    this.loop = new Reconciler(
      {
        name: 'reputation.refresh',
        intervalMs: reputationConfig(config).refreshIntervalMs,
        leader,
        clock,
        failureMessage: 'reputation refresh failed; will retry',
      },
      () => this.refresh(),
    );
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  private async refresh(): Promise<void> {
    const n = await this.reputation.refreshStale(BATCH);
    if (n > 0) this.logger.log({ refreshed: n }, 'reputation scores refreshed');
  }
}
