import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  Account,
  AccountKind,
  AccountRef,
  CACHED_KINDS,
  JournalEntry,
  JournalLine,
  UNBOUNDED_KINDS,
} from './ledger.types';

interface AccountRow {
  id: string;
  kind: AccountKind;
  owner_id: string;
  balance_micro: string;
  credit_limit_micro: string | null;
  summed?: string | null;
}

interface EntryRow {
  id: string;
  idempotency_key: string;
  kind: string;
  user_id: string | null;
  memo: string | null;
  metadata: Record<string, unknown>;
  created_at: Date;
}

interface LineRow {
  entry_id: string;
  account_id: string;
  kind: AccountKind;
  owner_id: string;
  amount_micro: string;
  balance_after_micro: string | null;
}

const toAccount = (r: AccountRow): Account => ({
  id: Number(r.id),
  kind: r.kind,
  ownerId: r.owner_id,
  balanceMicro: CACHED_KINDS.has(r.kind)
    ? Number(r.balance_micro)
    : r.summed === undefined || r.summed === null
      ? Number.NaN
      : Number(r.summed),
  creditLimitMicro: r.credit_limit_micro === null ? null : Number(r.credit_limit_micro),
});

const refKey = (kind: string, owner: string): string => `${kind}|${owner}`;
const SUM_OF_LINES = `(SELECT COALESCE(SUM(l.amount_micro), 0) FROM billing_journal_lines l WHERE l.account_id = a.id)`;

/** SQL of the credit ledger. Every method runs on the manager it is given (the caller's transaction). */
@Injectable()
export class LedgerRepository {
  /** Append-only accounts by `kind|owner`: id and credit limit, without a balance. */
  private readonly appendOnly = new Map<string, Account>();

  private remember(a: Account): void {
    if (this.appendOnly.size > 100_000) this.appendOnly.clear();
    this.appendOnly.set(refKey(a.kind, a.ownerId), { ...a, balanceMicro: Number.NaN });
  }

  /**
   * Finds the accounts (creating missing ones) and row-locks those whose balance lives on the
   * row, in id order, so concurrent postings on the same wallets queue instead of deadlocking.
   * Append-only accounts are not locked; their balance is summed only for `withBalances`.
   */
  async lockAccounts(
    m: EntityManager,
    refs: AccountRef[],
    withBalances: AccountRef[] = [],
  ): Promise<Map<string, Account>> {
    const unique = new Map(refs.map((r) => [refKey(r.kind, r.ownerId), r]));
    let found = await this.selectAndLock(m, [...unique.values()], withBalances, true);
    if (found.size < unique.size) {
      const missing = [...unique.values()]
        .filter((r) => !found.has(refKey(r.kind, r.ownerId)))
        .sort((a, b) => refKey(a.kind, a.ownerId).localeCompare(refKey(b.kind, b.ownerId)));
      await m.query(
        // balance_micro is kept (starting at 0) only for CACHED_KINDS; NULL (derived) otherwise.
        `INSERT INTO billing_accounts (kind, owner_id, credit_limit_micro, balance_micro)
         SELECT r.kind, r.owner_id, CASE WHEN r.kind = ANY($3::text[]) THEN NULL ELSE 0 END,
                CASE WHEN r.kind = ANY($4::text[]) THEN 0 ELSE NULL END
           FROM unnest($1::text[], $2::text[]) AS r(kind, owner_id)
         ON CONFLICT (kind, owner_id) DO NOTHING`,
        [
          missing.map((r) => r.kind),
          missing.map((r) => r.ownerId),
          [...UNBOUNDED_KINDS],
          [...CACHED_KINDS],
        ],
      );
      // Not remembered: rows this transaction just inserted vanish if it rolls back (a refused
      // posting), and a remembered id would then break the next posting's foreign key.
      found = await this.selectAndLock(m, [...unique.values()], withBalances, false);
    }
    return found;
  }

  private async selectAndLock(
    m: EntityManager,
    refs: AccountRef[],
    withBalances: AccountRef[],
    rememberIds: boolean,
  ): Promise<Map<string, Account>> {
    const cached = refs.filter((r) => CACHED_KINDS.has(r.kind));
    const other = refs.filter((r) => !CACHED_KINDS.has(r.kind));
    const out = new Map<string, Account>();
    if (cached.length > 0) {
      const rows = (await m.query(
        `SELECT a.id, a.kind, a.owner_id, a.balance_micro, a.credit_limit_micro
           FROM billing_accounts a
           JOIN unnest($1::text[], $2::text[]) AS r(kind, owner_id)
             ON a.kind = r.kind AND a.owner_id = r.owner_id
          ORDER BY a.id
            FOR UPDATE OF a`,
        [cached.map((r) => r.kind), cached.map((r) => r.ownerId)],
      )) as AccountRow[];
      for (const r of rows) out.set(refKey(r.kind, r.owner_id), toAccount(r));
    }
    const sum = new Set(withBalances.map((r) => refKey(r.kind, r.ownerId)));
    // Append-only accounts are neither locked nor read for their balance: their ids (which never
    // change) come from memory once seen, so the hot system accounts cost no query at all.
    const unknown: AccountRef[] = [];
    for (const r of other) {
      const key = refKey(r.kind, r.ownerId);
      const known = this.appendOnly.get(key);
      if (known && !sum.has(key)) out.set(key, known);
      else unknown.push(r);
    }
    if (unknown.length > 0) {
      const rows = (await m.query(
        `SELECT a.id, a.kind, a.owner_id, a.balance_micro, a.credit_limit_micro,
                CASE WHEN (a.kind || '|' || a.owner_id) = ANY($3::text[]) THEN ${SUM_OF_LINES} END AS summed
           FROM billing_accounts a
           JOIN unnest($1::text[], $2::text[]) AS r(kind, owner_id)
             ON a.kind = r.kind AND a.owner_id = r.owner_id`,
        [unknown.map((r) => r.kind), unknown.map((r) => r.ownerId), [...sum]],
      )) as AccountRow[];
      for (const r of rows) {
        const account = toAccount(r);
        out.set(refKey(r.kind, r.owner_id), account);
        if (rememberIds) this.remember(account);
      }
    }
    return out;
  }

  /**
   * Locks an append-only account's row and sums its lines: for the rare debit of such an
   * account against a limit (e.g. a partner payout), so those debits queue on the row.
   */
  async lockAndSum(m: EntityManager, accountId: number): Promise<number> {
    const rows = (await m.query(
      `SELECT ${SUM_OF_LINES} AS summed FROM billing_accounts a WHERE a.id = $1 FOR UPDATE OF a`,
      [accountId],
    )) as { summed: string }[];
    return Number(rows[0]?.summed ?? 0);
  }

  /** Inserts the entry header unless the key exists; null means the key was already used. */
  async insertEntry(
    m: EntityManager,
    e: {
      idempotencyKey: string;
      kind: string;
      userId: string | null;
      memo: string | null;
      metadata: Record<string, unknown>;
      createdAt: Date;
    },
  ): Promise<number | null> {
    const rows = (await m.query(
      `INSERT INTO billing_journal_entries (idempotency_key, kind, user_id, memo, metadata, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING id`,
      [e.idempotencyKey, e.kind, e.userId, e.memo, JSON.stringify(e.metadata), e.createdAt],
    )) as { id: string }[];
    return rows[0] ? Number(rows[0].id) : null;
  }

  async deleteEntry(m: EntityManager, entryId: number): Promise<void> {
    await m.query(`DELETE FROM billing_journal_entries WHERE id = $1`, [entryId]);
  }

  /** Inserts the lines; `finals` are the new balances of the accounts kept on the row. */
  /** Inserts the lines and writes the new balances of the accounts kept on the row, in one statement. */
  async insertLinesAndApply(
    m: EntityManager,
    entryId: number,
    lines: { accountId: number; amountMicro: number; balanceAfterMicro: number | null }[],
    finals: Map<number, number>,
  ): Promise<void> {
    await m.query(
      `WITH inserted AS (
         INSERT INTO billing_journal_lines (entry_id, account_id, amount_micro, balance_after_micro)
         SELECT $1, a, d, b FROM unnest($2::bigint[], $3::bigint[], $4::bigint[]) AS t(a, d, b)
       )
       UPDATE billing_accounts a
          SET balance_micro = t.b, updated_at = now()
         FROM unnest($5::bigint[], $6::bigint[]) AS t(id, b)
        WHERE a.id = t.id`,
      [
        entryId,
        lines.map((l) => l.accountId),
        lines.map((l) => l.amountMicro),
        lines.map((l) => l.balanceAfterMicro),
        [...finals.keys()],
        [...finals.values()],
      ],
    );
  }

  async findEntryByKey(m: EntityManager, key: string): Promise<JournalEntry | null> {
    const rows = (await m.query(
      `SELECT id, idempotency_key, kind, user_id, memo, metadata, created_at
         FROM billing_journal_entries WHERE idempotency_key = $1`,
      [key],
    )) as EntryRow[];
    if (!rows[0]) return null;
    const [entry] = await this.withLines(m, rows);
    return entry ?? null;
  }

  /** Entries with a line on one of the user's accounts, newest first. */
  async listUserEntries(
    m: EntityManager,
    userId: string,
    opts: { limit: number; beforeId?: number },
  ): Promise<JournalEntry[]> {
    const rows = (await m.query(
      `SELECT e.id, e.idempotency_key, e.kind, e.user_id, e.memo, e.metadata, e.created_at
         FROM billing_journal_entries e
        WHERE e.id IN (SELECT l.entry_id FROM billing_journal_lines l
                         JOIN billing_accounts a ON a.id = l.account_id
                        WHERE a.owner_id = $1 AND a.kind IN ('user_wallet','user_receivable'))
          AND ($2::bigint IS NULL OR e.id < $2)
        ORDER BY e.id DESC
        LIMIT $3`,
      [userId, opts.beforeId ?? null, opts.limit],
    )) as EntryRow[];
    return this.withLines(m, rows);
  }

  private async withLines(m: EntityManager, rows: EntryRow[]): Promise<JournalEntry[]> {
    if (rows.length === 0) return [];
    const lines = (await m.query(
      `SELECT l.entry_id, l.account_id, a.kind, a.owner_id, l.amount_micro, l.balance_after_micro
         FROM billing_journal_lines l JOIN billing_accounts a ON a.id = l.account_id
        WHERE l.entry_id = ANY($1::bigint[]) ORDER BY l.id`,
      [rows.map((r) => r.id)],
    )) as LineRow[];
    const byEntry = new Map<string, JournalLine[]>();
    for (const l of lines) {
      const list = byEntry.get(l.entry_id) ?? [];
      list.push({
        accountId: Number(l.account_id),
        kind: l.kind,
        ownerId: l.owner_id,
        amountMicro: Number(l.amount_micro),
        balanceAfterMicro: l.balance_after_micro === null ? null : Number(l.balance_after_micro),
      });
      byEntry.set(l.entry_id, list);
    }
    return rows.map((r) => ({
      id: Number(r.id),
      idempotencyKey: r.idempotency_key,
      kind: r.kind,
      userId: r.user_id,
      memo: r.memo,
      metadata: r.metadata,
      createdAt: new Date(r.created_at),
      lines: byEntry.get(r.id) ?? [],
      replayed: false,
    }));
  }

  /** One account with its balance (summed for append-only accounts). */
  async findAccount(m: EntityManager, ref: AccountRef): Promise<Account | null> {
    const rows = (await m.query(
      `SELECT a.id, a.kind, a.owner_id, a.balance_micro, a.credit_limit_micro, ${SUM_OF_LINES} AS summed
         FROM billing_accounts a WHERE a.kind = $1 AND a.owner_id = $2`,
      [ref.kind, ref.ownerId],
    )) as AccountRow[];
    return rows[0] ? toAccount(rows[0]) : null;
  }

  async setCreditLimit(m: EntityManager, ref: AccountRef, limitMicro: number): Promise<void> {
    this.appendOnly.delete(refKey(ref.kind, ref.ownerId));
    await this.lockAccounts(m, [ref]);
    await m.query(
      `UPDATE billing_accounts SET credit_limit_micro = $3, updated_at = now()
        WHERE kind = $1 AND owner_id = $2`,
      [ref.kind, ref.ownerId, limitMicro],
    );
  }

  /**
   * The invariants, as SQL: the sum of every line (= of every account's balance) is zero, no
   * entry is unbalanced, balances kept on rows equal their lines (and rows of derived balances
   * hold none), and none is below its limit.
   */
  async audit(m: EntityManager): Promise<{
    totalMicro: number;
    unbalancedEntries: number;
    driftedAccounts: number;
    belowLimit: number;
  }> {
    const [row] = (await m.query(
      `WITH balances AS (
         SELECT a.kind, a.balance_micro, a.credit_limit_micro,
                COALESCE((SELECT SUM(amount_micro) FROM billing_journal_lines l WHERE l.account_id = a.id), 0) AS summed
           FROM billing_accounts a)
       SELECT
         (SELECT COALESCE(SUM(summed), 0) FROM balances) AS total,
         (SELECT count(*) FROM (SELECT entry_id FROM billing_journal_lines GROUP BY entry_id
                                 HAVING SUM(amount_micro) <> 0) u) AS unbalanced,
         (SELECT count(*) FROM balances
           WHERE (kind = ANY($1::text[]) AND balance_micro IS DISTINCT FROM summed)
              OR (kind <> ALL($1::text[]) AND balance_micro IS NOT NULL)) AS drifted,
         (SELECT count(*) FROM balances
           WHERE credit_limit_micro IS NOT NULL AND summed < -credit_limit_micro) AS below`,
      [[...CACHED_KINDS]],
    )) as { total: string; unbalanced: string; drifted: string; below: string }[];
    return {
      totalMicro: Number(row!.total),
      unbalancedEntries: Number(row!.unbalanced),
      driftedAccounts: Number(row!.drifted),
      belowLimit: Number(row!.below),
    };
  }
}
