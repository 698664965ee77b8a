import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock, LeaderLock, NANOPOD_CONFIG, NanopodConfig, Reconciler } from '@nanopod/common';
import { MarketService } from './market.service';

const TICK_MS = 60_000;

/** Expires orders whose window began unfilled and sells whose window ended, every minute. */
@Injectable()
export class MarketExpiryReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly loop: Reconciler;

  constructor(
    market: MarketService,
    leader: LeaderLock,
    clock: Clock,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
  ) {
    this.loop = new Reconciler({ name: 'market.expiry', intervalMs: TICK_MS, clock, leader }, () =>
      market.expireAll(),
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.env !== 'test') this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }
}
