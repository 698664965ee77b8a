import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Clock, LeaderLock, NANOPOD_CONFIG, NanopodConfig, Reconciler } from '@nanopod/common';
import { ProcurementsRepository } from '../repositories/procurements.repository';
import { ProcurementsService } from './procurements.service';

const TICK_MS = 30_000;

/** One leader runs every active procurement each tick; one failing does not stop the others. */
@Injectable()
export class ProcurementReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProcurementReconciler.name);
  readonly loop: Reconciler;

  constructor(
    private readonly repo: ProcurementsRepository,
    private readonly procurements: ProcurementsService,
    clock: Clock,
    leader: LeaderLock,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
  ) {
    this.loop = new Reconciler(
      { name: 'compute.procurements', intervalMs: TICK_MS, clock, leader },
      () => this.tick(clock.now()),
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.env !== 'test') this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  async tick(now: Date): Promise<void> {
    for (const p of await this.repo.active()) {
      try {
        await this.procurements.tick(p, now);
      } catch (err) {
        this.logger.warn(
          { procurementId: p.id, err: (err as Error).message },
          'procurement tick failed',
        );
        await this.repo.update(p.id, {
          lastTickAt: now,
          lastError: (err as Error).message,
          updatedAt: now,
        });
      }
    }
  }
}
