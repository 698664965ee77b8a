import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { rowsOf } from '../http/sql';

export interface LinkedWallet {
  userId: string;
  address: string;
  chainId: number;
  linkedAt: Date;
}

export type NonceState = 'ok' | 'unknown' | 'used' | 'expired';

interface WalletRow {
  user_id: string;
  address: string;
  chain_id: number;
  linked_at: Date;
}

const map = (r: WalletRow): LinkedWallet => ({
  userId: r.user_id,
  address: r.address,
  chainId: Number(r.chain_id),
  linkedAt: new Date(r.linked_at),
});

/** Nonces, linked wallets and the append-only audit of (re-)links. */
@Injectable()
export class WalletRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insertNonce(nonce: string, userId: string, issuedAt: Date, expiresAt: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO reputation_wallet_nonces (nonce, user_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)`,
      [nonce, userId, issuedAt, expiresAt],
    );
    // Housekeeping: nonces a day past their expiry are of no use to anyone.
    await this.dataSource.query(`DELETE FROM reputation_wallet_nonces WHERE expires_at < $1`, [
      new Date(issuedAt.getTime() - 86_400_000),
    ]);
  }

  /**
   * Marks the nonce used if it is this user's, unused and unexpired, in one statement so two
   * concurrent verifications cannot both consume it. Otherwise says why not.
   */
  async consumeNonce(nonce: string, userId: string, now: Date): Promise<NonceState> {
    const rows = rowsOf<unknown>(
      await this.dataSource.query(
        `UPDATE reputation_wallet_nonces SET used_at = $3
          WHERE nonce = $1 AND user_id = $2 AND used_at IS NULL AND expires_at > $3 RETURNING nonce`,
        [nonce, userId, now],
      ),
    );
    if (rows.length === 1) return 'ok';
    const [row] = (await this.dataSource.query(
      `SELECT used_at, expires_at FROM reputation_wallet_nonces WHERE nonce = $1 AND user_id = $2`,
      [nonce, userId],
    )) as { used_at: Date | null; expires_at: Date }[];
    if (!row) return 'unknown';
    return row.used_at ? 'used' : 'expired';
  }

  async findByUser(
    userId: string,
    m: EntityManager = this.dataSource.manager,
  ): Promise<LinkedWallet | null> {
    const rows = (await m.query(
      `SELECT user_id, address, chain_id, linked_at FROM reputation_wallets WHERE user_id = $1`,
      [userId],
    )) as WalletRow[];
    return rows[0] ? map(rows[0]) : null;
  }

  async findByAddress(address: string, m: EntityManager): Promise<LinkedWallet | null> {
    const rows = (await m.query(
      `SELECT user_id, address, chain_id, linked_at FROM reputation_wallets WHERE lower(address) = lower($1)`,
      [address],
    )) as WalletRow[];
    return rows[0] ? map(rows[0]) : null;
  }

  async upsert(m: EntityManager, w: LinkedWallet): Promise<void> {
    await m.query(
      `INSERT INTO reputation_wallets (user_id, address, chain_id, linked_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id) DO UPDATE SET address = EXCLUDED.address, chain_id = EXCLUDED.chain_id,
         linked_at = EXCLUDED.linked_at`,
      [w.userId, w.address, w.chainId, w.linkedAt],
    );
  }

  async delete(m: EntityManager, userId: string): Promise<LinkedWallet | null> {
    const rows = rowsOf<WalletRow>(
      await m.query(
        `DELETE FROM reputation_wallets WHERE user_id = $1 RETURNING user_id, address, chain_id, linked_at`,
        [userId],
      ),
    );
    return rows[0] ? map(rows[0]) : null;
  }

  async audit(
    m: EntityManager,
    entry: {
      userId: string;
      action: 'linked' | 'relinked' | 'unlinked';
      address: string;
      previousAddress: string | null;
      at: Date;
    },
  ): Promise<void> {
    await m.query(
      `INSERT INTO reputation_wallet_links (user_id, action, address, previous_address, at) VALUES ($1, $2, $3, $4, $5)`,
      [entry.userId, entry.action, entry.address, entry.previousAddress, entry.at],
    );
  }

  async history(
    userId: string,
  ): Promise<{ action: string; address: string; previous_address: string | null; at: Date }[]> {
    return (await this.dataSource.query(
      `SELECT action, address, previous_address, at FROM reputation_wallet_links WHERE user_id = $1 ORDER BY id`,
      [userId],
    )) as { action: string; address: string; previous_address: string | null; at: Date }[];
  }

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(fn);
  }
}
