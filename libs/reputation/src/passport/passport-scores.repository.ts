import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PassportScore } from './passport-client';

/** Rows of `reputation_passport_scores`: Passport answers kept until they expire. */
@Injectable()
export class PassportScoresRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The stored score of `address` if it has not expired at `now`. */
  async fresh(address: string, now: Date): Promise<PassportScore | null> {
    const rows = (await this.dataSource.query(
      `SELECT body FROM reputation_passport_scores WHERE address = $1 AND expires_at > $2`,
      [address, now],
    )) as { body: PassportScore }[];
    return rows[0]?.body ?? null;
  }

  async save(address: string, score: PassportScore, fetchedAt: Date, expires: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO reputation_passport_scores (address, body, fetched_at, expires_at) VALUES ($1, $2::jsonb, $3, $4)
       ON CONFLICT (address) DO UPDATE SET body = EXCLUDED.body, fetched_at = EXCLUDED.fetched_at, expires_at = EXCLUDED.expires_at`,
      [address, JSON.stringify(score), fetchedAt, expires],
    );
  }
}
