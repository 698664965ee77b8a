import { Injectable } from '@nestjs/common';
import { Clock } from '@nanopod/common';
import { DataSource, EntityManager } from 'typeorm';
import { InsufficientFundsError, UnbalancedEntryError } from '../billing.errors';
import { LedgerRepository } from './ledger.repository';
import {
  Account,
  AccountRef,
  accountLabel,
  CACHED_KINDS,
  JournalEntry,
  PostingLine,
  PostingRequest,
} from './ledger.types';

const refKey = (r: AccountRef): string => `${r.kind}|${r.ownerId}`;

/**
 * The double-entry credit ledger. Every entry sums to zero; balances are checked against credit
 * limits under a row lock on the accounts, so concurrent postings cannot overspend.
 *
 * Example:
 * ```ts
 * await ledger.post({ idempotencyKey: 'topup:42', kind: 'top_up', userId,
 *   lines: [{ account: { kind: 'external', ownerId: '' }, amountMicro: -5e6 },
 *           { account: { kind: 'user_wallet', ownerId: userId }, amountMicro: 5e6 }] });
 * ```
 */
@Injectable()
export class LedgerService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: LedgerRepository,
    private readonly clock: Clock,
  ) {}

  /** Posts in `manager`'s transaction when given, else in a transaction of its own. */
  async post(request: PostingRequest, manager?: EntityManager): Promise<JournalEntry> {
    const lines = this.normalize(request.lines);
    return this.inTransaction(manager, (m) => this.postIn(m, request, lines));
  }

  /**
   * Posts with a hook that sees the locked accounts first and may reshape the lines (usage uses
   * it to send what a wallet cannot cover to the user's receivable).
   */
  async postWith(
    manager: EntityManager,
    request: Omit<PostingRequest, 'lines'>,
    accounts: AccountRef[],
    build: (locked: Map<string, Account>) => PostingLine[],
    withBalances: AccountRef[] = [],
  ): Promise<JournalEntry | null> {
    // The header first: hot system accounts (subsidy pool, platform revenue) stay locked only
    // for the lines and the balance update, not for this insert.
    const entryId = await this.repo.insertEntry(manager, this.header(request));
    if (entryId === null) return this.replay(manager, request.idempotencyKey);
    const locked = await this.repo.lockAccounts(manager, accounts, withBalances);
    const built = build(locked);
    // Nothing to move (every line zero): no entry at all.
    if (built.every((l) => l.amountMicro === 0)) {
      await this.repo.deleteEntry(manager, entryId);
      return null;
    }
    return this.apply(manager, request, entryId, this.normalize(built), locked);
  }

  /**
   * Creates missing accounts and row-locks the wallets among them, in id order, in `manager`'s
   * transaction: a caller about to post several entries takes every lock up front, in one order.
   */
  async lock(manager: EntityManager, refs: AccountRef[]): Promise<void> {
    await this.repo.lockAccounts(manager, refs);
  }

  /** Like `lock`, returning the accounts; `withBalances` (append-only ones) are summed. */
  async lockAndRead(
    manager: EntityManager,
    refs: AccountRef[],
    withBalances: AccountRef[] = [],
  ): Promise<Account[]> {
    return [...(await this.repo.lockAccounts(manager, refs, withBalances)).values()];
  }

  async account(ref: AccountRef): Promise<Account | null> {
    return this.repo.findAccount(this.dataSource.manager, ref);
  }

  async setCreditLimit(ref: AccountRef, limitMicro: number): Promise<void> {
    await this.dataSource.transaction((m) => this.repo.setCreditLimit(m, ref, limitMicro));
  }

  async entriesForUser(userId: string, limit: number, beforeId?: number): Promise<JournalEntry[]> {
    return this.repo.listUserEntries(this.dataSource.manager, userId, { limit, beforeId });
  }

  async audit(): ReturnType<LedgerRepository['audit']> {
    return this.repo.audit(this.dataSource.manager);
  }

  private async postIn(
    m: EntityManager,
    request: PostingRequest,
    lines: PostingLine[],
  ): Promise<JournalEntry> {
    const entryId = await this.repo.insertEntry(m, this.header(request));
    if (entryId === null) return this.replay(m, request.idempotencyKey);
    const locked = await this.repo.lockAccounts(
      m,
      lines.map((l) => l.account),
    );
    return this.apply(m, request, entryId, lines, locked);
  }

  private async apply(
    m: EntityManager,
    request: Omit<PostingRequest, 'lines'>,
    entryId: number,
    lines: PostingLine[],
    locked: Map<string, Account>,
  ): Promise<JournalEntry> {
    const running = new Map<string, number>();
    const out: { accountId: number; amountMicro: number; balanceAfterMicro: number | null }[] = [];
    const journal: JournalEntry['lines'] = [];
    const finals = new Map<number, number>();
    for (const line of lines) {
      const key = refKey(line.account);
      const account = locked.get(key);
      if (!account) throw new Error(`account ${key} was not locked`);
      const cached = CACHED_KINDS.has(account.kind);
      // Only debits are held to the limit: an account already below a lowered limit may still
      // receive credits. Append-only accounts with a limit are rarely debited: lock and sum then.
      const checked = line.amountMicro < 0 && account.creditLimitMicro !== null;
      let after: number | null = null;
      if (cached || checked) {
        const before =
          running.get(key) ??
          (cached ? account.balanceMicro : await this.repo.lockAndSum(m, account.id));
        after = before + line.amountMicro;
        if (checked && after < -account.creditLimitMicro!) {
          throw new InsufficientFundsError({
            account: accountLabel(line.account),
            balance: before,
            amount: line.amountMicro,
            credit_limit: account.creditLimitMicro!,
          });
        }
        running.set(key, after);
        if (cached) finals.set(account.id, after);
      }
      const row = {
        accountId: account.id,
        amountMicro: line.amountMicro,
        balanceAfterMicro: cached ? after : null,
      };
      out.push(row);
      journal.push({ ...row, kind: account.kind, ownerId: account.ownerId });
    }
    await this.repo.insertLinesAndApply(m, entryId, out, finals);
    const header = this.header(request);
    return {
      id: entryId,
      idempotencyKey: header.idempotencyKey,
      kind: header.kind,
      userId: header.userId,
      memo: header.memo,
      metadata: header.metadata,
      createdAt: header.createdAt,
      lines: journal,
      replayed: false,
    };
  }

  private header(r: Omit<PostingRequest, 'lines'>) {
    return {
      idempotencyKey: r.idempotencyKey,
      kind: r.kind,
      userId: r.userId ?? null,
      memo: r.memo ?? null,
      metadata: r.metadata ?? {},
      createdAt: this.clock.now(),
    };
  }

  private async replay(m: EntityManager, key: string): Promise<JournalEntry> {
    const original = await this.repo.findEntryByKey(m, key);
    if (!original) throw new Error(`journal entry ${key} vanished`);
    return { ...original, replayed: true };
  }

  /** Integer amounts, zero lines dropped, and the sum must be exactly zero. */
  private normalize(lines: PostingLine[]): PostingLine[] {
    let sum = 0;
    const kept: PostingLine[] = [];
    for (const l of lines) {
      if (!Number.isSafeInteger(l.amountMicro)) throw new UnbalancedEntryError(Number.NaN);
      sum += l.amountMicro;
      if (l.amountMicro !== 0) kept.push(l);
    }
    if (sum !== 0 || kept.length === 0) throw new UnbalancedEntryError(sum);
    return kept;
  }

  private async inTransaction<T>(
    manager: EntityManager | undefined,
    fn: (m: EntityManager) => Promise<T>,
  ): Promise<T> {
    if (manager?.queryRunner?.isTransactionActive) return fn(manager);
    // A transaction of our own that PostgreSQL chose as a deadlock victim rolled back whole:
    // running it again is safe (first postings to brand-new accounts can meet that way).
    for (let attempt = 1; ; attempt++) {
      try {
        return await (manager ?? this.dataSource.manager).transaction(fn);
      } catch (err) {
        const e = err as { code?: string; driverError?: { code?: string } };
        const deadlock = (e.driverError?.code ?? e.code) === '40P01';
        if (!deadlock || attempt >= 3) throw err;
      }
    }
  }
}
