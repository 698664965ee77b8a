import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Reputation, ReputationPart, ReputationStatus } from './scoring';

interface Row {
  status: ReputationStatus | 'pending';
  score: number | null;
  parts: ReputationPart[];
  computed_at: Date | null;
}

/** The last computed reputation of each user, and when they last asked for a refresh. */
@Injectable()
export class ReputationRepository {
  constructor(private readonly dataSource: DataSource) {}

  async get(userId: string): Promise<Reputation | null> {
    const [r] = (await this.dataSource.query(
      `SELECT status, score, parts, computed_at FROM reputation_scores WHERE user_id = $1`,
      [userId],
    )) as Row[];
    if (!r || !r.computed_at || r.status === 'pending') return null;
    return {
      status: r.status,
      score: r.score === null ? null : Number(r.score),
      parts: r.parts,
      computed_at: new Date(r.computed_at).toISOString(),
    };
  }

  async save(userId: string, rep: Reputation): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO reputation_scores (user_id, status, score, parts, computed_at) VALUES ($1, $2, $3, $4::jsonb, $5)
       ON CONFLICT (user_id) DO UPDATE SET status = EXCLUDED.status, score = EXCLUDED.score,
         parts = EXCLUDED.parts, computed_at = EXCLUDED.computed_at`,
      [userId, rep.status, rep.score, JSON.stringify(rep.parts), new Date(rep.computed_at)],
    );
  }

  /** Registers a user for the scheduled refresh without a score yet. */
  async enroll(userId: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO reputation_scores (user_id, status) VALUES ($1, 'pending') ON CONFLICT (user_id) DO NOTHING`,
      [userId],
    );
  }

  /**
   * Claims an on-demand refresh: succeeds (null) when the last one is older than the cooldown,
   * else returns when the next is allowed. One statement, so concurrent requests cannot both pass.
   */
  async claimRefresh(userId: string, now: Date, cooldownMs: number): Promise<Date | null> {
    const since = new Date(now.getTime() - cooldownMs);
    const claimed = (await this.dataSource.query(
      `INSERT INTO reputation_scores (user_id, status, refresh_requested_at) VALUES ($1, 'pending', $2)
       ON CONFLICT (user_id) DO UPDATE SET refresh_requested_at = EXCLUDED.refresh_requested_at
         WHERE reputation_scores.refresh_requested_at IS NULL OR reputation_scores.refresh_requested_at <= $3
       RETURNING user_id`,
      [userId, now, since],
    )) as unknown[];
    if (claimed.length > 0) return null;
    const [r] = (await this.dataSource.query(
      `SELECT refresh_requested_at FROM reputation_scores WHERE user_id = $1`,
      [userId],
    )) as { refresh_requested_at: Date }[];
    return new Date(new Date(r!.refresh_requested_at).getTime() + cooldownMs);
  }

  /** Users whose score is missing or older than `before`, oldest first. */
  async stale(before: Date, limit: number): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT user_id FROM reputation_scores WHERE computed_at IS NULL OR computed_at < $1
        ORDER BY computed_at NULLS FIRST LIMIT $2`,
      [before, limit],
    )) as { user_id: string }[];
    return rows.map((r) => r.user_id);
  }
}
