import { Inject, Injectable, Logger } from '@nestjs/common';
import { NANOPOD_CONFIG, NanopodConfig } from '@nanopod/common';
import { DataSource, EntityManager } from 'typeorm';
import { LedgerService } from '../ledger/ledger.service';
import { AccountRef, MICRO_PER_CREDIT } from '../ledger/ledger.types';

export const WELCOME_CREDIT_KIND = 'welcome_credit';
export const welcomeKey = (userId: string): string => `welcome:${userId}`;

const MAX_REMEMBERED = 200_000;

/**
 * The one-time welcome credit (`NANOPOD_WELCOME_CREDITS`, default 500 = $5, 0 disables): a
 * balanced entry from the subsidy pool to the user's wallet, idempotency key `welcome:<userId>`
 * (unique in `billing_journal_entries`, so it can never be granted twice, also across
 * replicas and concurrent first touches). Granted when the user is created or signs in
 * (WelcomeCreditHooks), and made sure of before a charge: the `balance` policy input and usage
 * recording. Never by a read. Like a top-up it first settles what the user owes (usage recorded
 * before the grant existed).
 *
 * Users known to have it are remembered in memory, so later touches cost nothing.
 */
@Injectable()
export class WelcomeCreditService {
  private readonly logger = new Logger(WelcomeCreditService.name);
  private readonly amountMicro: number;
  private readonly granted = new Set<string>();
  /** First touches in flight in this process, so concurrent ones share one posting. */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    @Inject(NANOPOD_CONFIG) config: NanopodConfig,
    private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
  ) {
    this.amountMicro = Math.max(
      0,
      Math.round((config.billing.welcomeCredits ?? 500) * MICRO_PER_CREDIT),
    );
  }

  get enabled(): boolean {
    return this.amountMicro > 0;
  }

  /**
   * Makes sure the user has had the welcome credit. With `manager` the grant joins the caller's
   * transaction (and is only remembered once that is known to be unnecessary to repeat: the next
   * touch re-checks, which is a single replayed insert), else it commits on its own.
   */
  async ensure(userId: string, manager?: EntityManager): Promise<void> {
    if (!this.needs(userId)) return;
    if (manager?.queryRunner?.isTransactionActive) {
      // A grant made in the caller's transaction may still roll back: remembered only when it
      // was already there (committed earlier).
      if (await this.grant(userId, manager)) this.remember(userId);
      return;
    }
    let pending = this.inFlight.get(userId);
    if (!pending) {
      pending = this.dataSource
        .transaction((m) => this.grant(userId, m))
        .then(() => this.remember(userId))
        .finally(() => this.inFlight.delete(userId));
      this.inFlight.set(userId, pending);
    }
    await pending;
  }

  /** False when the user is known to have had it (or it is disabled): nothing to do. */
  needs(userId: string): boolean {
    return this.enabled && !!userId && !this.granted.has(userId);
  }

  /** Several users, one after another (each its own transaction). */
  async ensureAll(userIds: Iterable<string>): Promise<void> {
    for (const id of userIds) await this.ensure(id);
  }

  private remember(userId: string): void {
    if (this.granted.size >= MAX_REMEMBERED) this.granted.clear();
    this.granted.add(userId);
  }

  /** Posts the grant in `m`; true when it had been granted before (the key was taken). */
  private async grant(userId: string, m: EntityManager): Promise<boolean> {
    const pool: AccountRef = { kind: 'subsidy_pool', ownerId: '' };
    const wallet: AccountRef = { kind: 'user_wallet', ownerId: userId };
    const receivable: AccountRef = { kind: 'user_receivable', ownerId: userId };
    const amount = this.amountMicro;
    // The wallet's row lock before the entry's key: every path (usage recording included) takes
    // the wallet first, so a grant and a usage posting for the same user cannot deadlock.
    await this.ledger.lock(m, [wallet, receivable]);
    const entry = await this.ledger.postWith(
      m,
      {
        idempotencyKey: welcomeKey(userId),
        kind: WELCOME_CREDIT_KIND,
        userId,
        memo: `Welcome credit: ${amount / MICRO_PER_CREDIT} credits ($${(amount / MICRO_PER_CREDIT / 100).toFixed(2)}) from the subsidy pool`,
        metadata: { source: 'welcome', credits: amount / MICRO_PER_CREDIT },
      },
      [pool, wallet, receivable],
      (locked) => {
        // What the user already owes is settled from the grant first, as a top-up does.
        const owed = Math.max(0, -(locked.get(`user_receivable|${userId}`)?.balanceMicro ?? 0));
        const w = locked.get(`user_wallet|${userId}`)!;
        const settle = Math.min(owed, Math.max(0, w.balanceMicro + amount));
        return [
          { account: pool, amountMicro: -amount },
          { account: wallet, amountMicro: amount - settle },
          { account: receivable, amountMicro: settle },
        ];
      },
      [receivable],
    );
    if (entry && !entry.replayed) {
      this.logger.log({ userId, entryId: entry.id }, 'welcome credit granted');
    }
    return entry?.replayed ?? false;
  }
}
