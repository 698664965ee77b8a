import { Injectable } from '@nestjs/common';
import { Clock } from '@nanopod/common';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { InvalidUsageError } from '../billing.errors';
import { LagoEvent } from '../lago/lago-gateway';
import { LedgerService } from '../ledger/ledger.service';
import { AccountRef, MICRO_PER_CREDIT, PostingLine } from '../ledger/ledger.types';
import { OutboxRepository } from '../outbox/outbox.repository';
import { WelcomeCreditService } from '../services/welcome-credit.service';
import { PriceList } from './price-list';
import {
  LAGO_FIELD,
  planCodeFor,
  priceUsage,
  PricedUsage,
  subscriptionIdFor,
  USAGE_METRICS,
} from './pricing';
import { UsageEventsRepository } from './usage-events.repository';
import { UsageRecorder, UsageRecordInput } from './usage-recorder';

const SYSTEM = (kind: AccountRef['kind']): AccountRef => ({ kind, ownerId: '' });

/**
 * Turns usage records into metered events, outbox rows and one ledger entry, all in the
 * caller's transaction. Idempotent on transactionId: records seen before are skipped.
 */
@Injectable()
export class MeteringService extends UsageRecorder {
  constructor(
    private readonly prices: PriceList,
    private readonly events: UsageEventsRepository,
    private readonly outbox: OutboxRepository,
    private readonly ledger: LedgerService,
    private readonly clock: Clock,
    private readonly welcome: WelcomeCreditService,
  ) {
    super();
  }

  async record(manager: EntityManager, records: UsageRecordInput[]): Promise<void> {
    if (records.length === 0) return;
    const unique = new Map<string, UsageRecordInput>();
    for (const r of records) {
      validate(r);
      if (!unique.has(r.transactionId)) unique.set(r.transactionId, r);
    }
    // Sorted, so concurrent batches that overlap take the unique-index locks in one order.
    const sorted = [...unique.values()].sort((a, b) =>
      a.transactionId < b.transactionId ? -1 : a.transactionId > b.transactionId ? 1 : 0,
    );
    const prices = await this.prices.prices(manager);
    const priced = sorted.map((r) => ({
      record: r,
      price: priceUsage(r, PriceList.unitPrice(prices, r.metric, r.properties?.gpu_type)),
      plan: planCodeFor(r.subsidy.tier, r.subsidy.rate_multiplier, r.properties?.pricing),
    }));
    // The entry's key covers the whole call: a call whose records were all seen before posts
    // nothing, and any other call has a different set, so the key is unique per entry.
    const digest = createHash('sha256')
      .update(sorted.map((r) => r.transactionId).join('\n'))
      .digest('hex')
      .slice(0, 40);
    const journalKey = `usage:${digest}`;
    const fresh = await this.events.insertNew(manager, priced, journalKey);
    if (fresh.size === 0) return;
    const now = this.clock.now();
    const accepted = priced.filter((p) => fresh.has(p.record.transactionId));
    // A user's first usage may come before any other billing touch: the welcome credit first,
    // in this transaction, so the usage is paid from it.
    const newcomers = [...new Set(accepted.map((p) => p.record.userId))]
      .filter((u) => this.welcome.needs(u))
      .sort();
    if (newcomers.length > 0) {
      // Every wallet of the batch locked at once, in id order (as the posting below would),
      // before any grant: concurrent batches with overlapping users queue, never deadlock.
      await this.ledger.lock(
        manager,
        [...new Set(accepted.map((p) => p.record.userId))].flatMap((u) => [
          { kind: 'user_wallet' as const, ownerId: u },
          { kind: 'user_receivable' as const, ownerId: u },
        ]),
      );
      for (const u of newcomers) await this.welcome.ensure(u, manager);
    }
    await this.outbox.enqueue(
      manager,
      accepted.map((p) => ({
        transactionId: p.record.transactionId,
        userId: p.record.userId,
        planCode: p.plan,
        payload: toLagoEvent(
          p.record,
          subscriptionIdFor(p.record.userId, p.plan),
          p.price.paidMicro,
        ),
      })),
      now,
    );
    await this.post(manager, accepted, journalKey);
  }

  /** One balanced entry for the batch; what a wallet cannot cover goes to the user's receivable. */
  private async post(
    manager: EntityManager,
    accepted: { record: UsageRecordInput; price: PricedUsage }[],
    journalKey: string,
  ): Promise<number | null> {
    const paidByUser = new Map<string, number>();
    const partners = new Map<string, number>();
    let subsidy = 0;
    let platform = 0;
    for (const { record, price } of accepted) {
      if (price.listMicro === 0) continue;
      paidByUser.set(record.userId, (paidByUser.get(record.userId) ?? 0) + price.paidMicro);
      subsidy += price.subsidyMicro;
      platform += price.platformMicro;
      const partnerId = record.properties?.partner_id;
      if (partnerId)
        partners.set(
          String(partnerId),
          (partners.get(String(partnerId)) ?? 0) + price.partnerMicro,
        );
    }
    if (paidByUser.size === 0) return null;
    const refs: AccountRef[] = [SYSTEM('subsidy_pool'), SYSTEM('platform_revenue')];
    for (const u of paidByUser.keys()) {
      refs.push({ kind: 'user_wallet', ownerId: u }, { kind: 'user_receivable', ownerId: u });
    }
    for (const p of partners.keys()) refs.push({ kind: 'partner_earnings', ownerId: p });
    const ids = accepted.map((a) => a.record.transactionId);
    const entry = await this.ledger.postWith(
      manager,
      {
        idempotencyKey: journalKey,
        kind: 'usage',
        userId: paidByUser.size === 1 ? [...paidByUser.keys()][0]! : null,
        memo: `${accepted.length} usage event(s)`,
        metadata: { events: accepted.length, first_transaction_id: ids[0] },
      },
      refs,
      (locked) => {
        const lines: PostingLine[] = [
          { account: SYSTEM('subsidy_pool'), amountMicro: -subsidy },
          { account: SYSTEM('platform_revenue'), amountMicro: platform },
        ];
        for (const [p, amount] of partners) {
          lines.push({ account: { kind: 'partner_earnings', ownerId: p }, amountMicro: amount });
        }
        for (const [u, paid] of paidByUser) {
          const wallet = locked.get(`user_wallet|${u}`)!;
          const room =
            wallet.creditLimitMicro === null
              ? Number.MAX_SAFE_INTEGER
              : Math.max(0, wallet.balanceMicro + wallet.creditLimitMicro);
          // Usage already happened, so it is never refused here: the part the wallet cannot
          // cover becomes a debt on the user's receivable, settled by the next top-up.
          const covered = paid > 0 ? Math.min(paid, room) : paid;
          lines.push({ account: { kind: 'user_wallet', ownerId: u }, amountMicro: -covered });
          lines.push({
            account: { kind: 'user_receivable', ownerId: u },
            amountMicro: -(paid - covered),
          });
        }
        return lines;
      },
    );
    return entry?.id ?? null;
  }
}

function validate(r: UsageRecordInput): void {
  if (!r.transactionId || r.transactionId.length > 255) {
    throw new InvalidUsageError('transactionId is required (at most 255 characters)');
  }
  if (!USAGE_METRICS.includes(r.metric)) {
    throw new InvalidUsageError(`Unknown usage metric ${String(r.metric)}`, { metric: r.metric });
  }
  if (!Number.isFinite(r.quantity) || r.quantity < 0) {
    throw new InvalidUsageError('quantity must be a finite number >= 0', {
      transaction_id: r.transactionId,
    });
  }
  if (!r.userId) throw new InvalidUsageError('userId is required');
  if (!(r.occurredAt instanceof Date) || Number.isNaN(r.occurredAt.getTime())) {
    throw new InvalidUsageError('occurredAt must be a date', { transaction_id: r.transactionId });
  }
  if (!r.subsidy || !Number.isFinite(r.subsidy.rate_multiplier) || r.subsidy.rate_multiplier < 0) {
    throw new InvalidUsageError('subsidy.rate_multiplier must be a number >= 0', {
      transaction_id: r.transactionId,
    });
  }
}

/**
 * The Lago event: flat string properties, the aggregated field named per metric, and what the
 * ledger charged as `precise_total_amount_cents` (credits are cents) for the plans whose charges
 * use Lago's `dynamic` model (subsidized and spot: the rate varies per decision).
 */
export function toLagoEvent(
  r: UsageRecordInput,
  externalSubscriptionId: string,
  paidMicro: number,
): LagoEvent {
  const properties: Record<string, string> = {
    [LAGO_FIELD[r.metric]]: String(r.quantity),
    tier: r.subsidy.tier,
    rate_multiplier: String(r.subsidy.rate_multiplier),
    precise_total_amount_cents: (paidMicro / MICRO_PER_CREDIT).toFixed(6),
  };
  for (const [k, v] of Object.entries(r.properties ?? {})) {
    if (v !== null && v !== undefined && !(k in properties)) properties[k] = String(v);
  }
  if (r.metric === 'gpu_seconds')
    properties.gpu_type = String(r.properties?.gpu_type ?? 'unknown').toLowerCase();
  return {
    transaction_id: r.transactionId,
    external_subscription_id: externalSubscriptionId,
    code: r.metric,
    timestamp: r.occurredAt.getTime() / 1000,
    properties,
  };
}
