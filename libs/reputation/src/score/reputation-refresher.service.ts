import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { LeaderLock, NANOPOD_CONFIG, NanopodConfig } from '@nanopod/common';
import { reputationConfig } from '../reputation.config';
import { ReputationService } from './reputation.service';

const BATCH = 25;

/** The scheduled refresh: one leader among platform replicas recomputes stale scores. */
@Injectable()
export class ReputationRefresher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReputationRefresher.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly intervalMs: number;

  constructor(
    private readonly reputation: ReputationService,
    private readonly leader: LeaderLock,
    @Inject(NANOPOD_CONFIG) config: NanopodConfig,
  ) {
    this.intervalMs = reputationConfig(config).refreshIntervalMs;
  }

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = null;
        this.schedule();
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.leader.runIfLeader('reputation.refresh', async () => {
        const n = await this.reputation.refreshStale(BATCH);
        if (n > 0) this.logger.log({ refreshed: n }, 'reputation scores refreshed');
      });
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'reputation refresh failed; will retry');
    }
  }
}
