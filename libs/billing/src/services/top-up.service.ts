import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { LedgerService } from '../ledger/ledger.service';
import { JournalEntry, MICRO_PER_CREDIT } from '../ledger/ledger.types';

export interface TopUp {
  userId: string;
  /** Credits (cents), > 0. */
  amount: number;
  idempotencyKey: string;
  note?: string | null;
  source: 'admin' | 'lago_wallet';
  actorId?: string | null;
  metadata?: Record<string, unknown>;
}

/**
 * Credits a user's wallet from the external (top-up) account, then settles what the user owes
 * (usage the wallet could not cover) from the new balance, in the same transaction.
 */
@Injectable()
export class TopUpService {
  private readonly logger = new Logger(TopUpService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
  ) {}

  async topUp(t: TopUp, manager?: EntityManager): Promise<JournalEntry> {
    const amountMicro = Math.round(t.amount * MICRO_PER_CREDIT);
    const external = { kind: 'external' as const, ownerId: '' };
    const wallet = { kind: 'user_wallet' as const, ownerId: t.userId };
    const receivable = { kind: 'user_receivable' as const, ownerId: t.userId };
    // One entry, one lock phase over all three accounts (in id order), so a top-up and a usage
    // posting for the same user cannot deadlock.
    const run = async (m: EntityManager) =>
      (await this.ledger.postWith(
        m,
        {
          idempotencyKey: `top_up:${t.source}:${t.idempotencyKey}`,
          kind: 'top_up',
          userId: t.userId,
          memo: t.note ?? null,
          metadata: { source: t.source, actor_id: t.actorId ?? null, ...(t.metadata ?? {}) },
        },
        [external, wallet, receivable],
        (locked) => {
          const owed = Math.max(0, -(locked.get(`user_receivable|${t.userId}`)?.balanceMicro ?? 0));
          const w = locked.get(`user_wallet|${t.userId}`)!;
          const settle = Math.min(owed, Math.max(0, w.balanceMicro + amountMicro));
          return [
            { account: external, amountMicro: -amountMicro },
            { account: wallet, amountMicro: amountMicro - settle },
            { account: receivable, amountMicro: settle },
          ];
        },
        [receivable],
      ))!;
    const entry = manager ? await run(manager) : await this.dataSource.transaction((m) => run(m));
    if (!entry.replayed) {
      this.logger.log(
        { userId: t.userId, entryId: entry.id, source: t.source },
        'wallet topped up',
      );
    }
    return entry;
  }
}
