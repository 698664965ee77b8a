import { Injectable } from '@nestjs/common';
import { Clock } from '@nanopod/common';
import { DataSource } from 'typeorm';
import { LagoGateway } from '../lago/lago-gateway';
import { OutboxRepository, ParkedEvent } from '../outbox/outbox.repository';

export interface OutboxStatusView {
  lagoConfigured: boolean;
  pending: number;
  shipped: number;
  parked: number;
  oldestPendingAgeSeconds: number | null;
  parkedEvents: ParkedEvent[];
}

@Injectable()
export class OutboxAdminService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: OutboxRepository,
    private readonly lago: LagoGateway,
    private readonly clock: Clock,
  ) {}

  async status(): Promise<OutboxStatusView> {
    const m = this.dataSource.manager;
    const s = await this.repo.status(m);
    return {
      lagoConfigured: this.lago.configured,
      pending: s.pending,
      shipped: s.shipped,
      parked: s.parked,
      oldestPendingAgeSeconds: s.oldestPendingAt
        ? Math.max(0, (this.clock.nowMs() - s.oldestPendingAt.getTime()) / 1000)
        : null,
      parkedEvents: await this.repo.listParked(m, 100),
    };
  }

  /** Parked events (all, or the given transaction ids) go back to the queue. */
  async retryParked(transactionIds?: string[]): Promise<number> {
    return this.repo.retryParked(this.dataSource.manager, this.clock.now(), transactionIds);
  }
}
