import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { LagoEvent } from '../lago/lago-gateway';

export interface OutboxRow {
  id: number;
  transactionId: string;
  userId: string;
  planCode: string;
  payload: LagoEvent;
  attempts: number;
}

export interface OutboxStatus {
  pending: number;
  shipped: number;
  parked: number;
  oldestPendingAt: Date | null;
}

export interface ParkedEvent {
  id: number;
  transactionId: string;
  reason: string | null;
  attempts: number;
  createdAt: Date;
}

/** SQL of the outbox of usage events bound for Lago. */
@Injectable()
export class OutboxRepository {
  /** Writes in the caller's transaction: one multi-row statement whatever the batch size. */
  async enqueue(
    m: EntityManager,
    rows: { transactionId: string; userId: string; planCode: string; payload: LagoEvent }[],
    now: Date,
  ): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `INSERT INTO billing_outbox (transaction_id, user_id, plan_code, payload, next_attempt_at, created_at)
       SELECT t, u, p, j::jsonb, $5, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x(t, u, p, j)
       ON CONFLICT (transaction_id) DO NOTHING`,
      [
        rows.map((r) => r.transactionId),
        rows.map((r) => r.userId),
        rows.map((r) => r.planCode),
        rows.map((r) => JSON.stringify(r.payload)),
        now,
      ],
    );
  }

  /**
   * Claims due rows with a lease: several shippers (or a restarted one) never hold the same row,
   * and a shipper that dies mid-flight leaves rows that come due again when the lease ends.
   * Sending twice is safe: Lago dedupes on transaction_id.
   */
  async claim(m: EntityManager, now: Date, leaseUntil: Date, limit: number): Promise<OutboxRow[]> {
    const res = (await m.query(
      `UPDATE billing_outbox o
          SET claimed_until = $2, attempts = o.attempts + 1
        WHERE o.id IN (SELECT id FROM billing_outbox
                        WHERE status = 'pending' AND next_attempt_at <= $1
                          AND (claimed_until IS NULL OR claimed_until <= $1)
                        ORDER BY next_attempt_at, id
                        LIMIT $3
                        FOR UPDATE SKIP LOCKED)
        RETURNING o.id, o.transaction_id, o.user_id, o.plan_code, o.payload, o.attempts`,
      [now, leaseUntil, limit],
    )) as [RawOutbox[], number];
    return res[0]
      .map((r) => ({
        id: Number(r.id),
        transactionId: r.transaction_id,
        userId: r.user_id,
        planCode: r.plan_code,
        payload: r.payload,
        attempts: r.attempts,
      }))
      .sort((a, b) => a.id - b.id);
  }

  async releaseStaleClaims(m: EntityManager): Promise<void> {
    await m.query(
      `UPDATE billing_outbox SET claimed_until = NULL WHERE status = 'pending' AND claimed_until IS NOT NULL`,
    );
  }

  async markShipped(m: EntityManager, ids: number[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await m.query(
      `UPDATE billing_outbox SET status = 'shipped', shipped_at = $2, claimed_until = NULL, last_error = NULL
        WHERE id = ANY($1::bigint[])`,
      [ids, now],
    );
  }

  /** Back to pending, due at `nextAt`; `error` is kept for the status page. */
  async release(
    m: EntityManager,
    ids: number[],
    nextAt: Date,
    error: string | null,
  ): Promise<void> {
    if (ids.length === 0) return;
    await m.query(
      `UPDATE billing_outbox SET claimed_until = NULL, next_attempt_at = $2, last_error = COALESCE($3, last_error)
        WHERE id = ANY($1::bigint[]) AND status = 'pending'`,
      [ids, nextAt, error],
    );
  }

  async park(m: EntityManager, id: number, reason: string): Promise<void> {
    await m.query(
      `UPDATE billing_outbox SET status = 'parked', claimed_until = NULL, last_error = $2 WHERE id = $1`,
      [id, reason],
    );
  }

  async status(m: EntityManager): Promise<OutboxStatus> {
    const [row] = (await m.query(`
      SELECT count(*) FILTER (WHERE status = 'pending') AS pending,
             count(*) FILTER (WHERE status = 'shipped') AS shipped,
             count(*) FILTER (WHERE status = 'parked') AS parked,
             min(created_at) FILTER (WHERE status = 'pending') AS oldest
        FROM billing_outbox`)) as {
      pending: string;
      shipped: string;
      parked: string;
      oldest: Date | null;
    }[];
    return {
      pending: Number(row!.pending),
      shipped: Number(row!.shipped),
      parked: Number(row!.parked),
      oldestPendingAt: row!.oldest ? new Date(row!.oldest) : null,
    };
  }

  async listParked(m: EntityManager, limit: number): Promise<ParkedEvent[]> {
    const rows = (await m.query(
      `SELECT id, transaction_id, last_error, attempts, created_at FROM billing_outbox
        WHERE status = 'parked' ORDER BY id LIMIT $1`,
      [limit],
    )) as {
      id: string;
      transaction_id: string;
      last_error: string | null;
      attempts: number;
      created_at: Date;
    }[];
    return rows.map((r) => ({
      id: Number(r.id),
      transactionId: r.transaction_id,
      reason: r.last_error,
      attempts: r.attempts,
      createdAt: new Date(r.created_at),
    }));
  }

  /** Parked rows (all, or those with the given transaction ids) become pending again. */
  async retryParked(m: EntityManager, now: Date, transactionIds?: string[]): Promise<number> {
    const res = (await m.query(
      `UPDATE billing_outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, claimed_until = NULL
        WHERE status = 'parked' AND ($2::text[] IS NULL OR transaction_id = ANY($2::text[]))`,
      [now, transactionIds ?? null],
    )) as [unknown[], number];
    return res[1];
  }
}

interface RawOutbox {
  id: string;
  transaction_id: string;
  user_id: string;
  plan_code: string;
  payload: LagoEvent;
  attempts: number;
}
