import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** A user's own limits; null fields fall back to the configured defaults. */
export interface QuotaOverride {
  sandboxes: number | null;
  cpu: number | null;
  memoryMb: number | null;
  gpus: number | null;
}

interface QuotaRow {
  max_sandboxes: number | null;
  max_cpu: string | number | null;
  max_memory_mb: number | null;
  max_gpus: number | null;
}

const toOverride = (r: QuotaRow | undefined): QuotaOverride => ({
  sandboxes: r?.max_sandboxes ?? null,
  cpu: r?.max_cpu === null || r?.max_cpu === undefined ? null : Number(r.max_cpu),
  memoryMb: r?.max_memory_mb ?? null,
  gpus: r?.max_gpus ?? null,
});

/** All reads and writes of `user_quotas`, and the per-user lock quotas are checked under. */
@Injectable()
export class UserQuotasRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(userId: string, m: EntityManager = this.dataSource.manager): Promise<QuotaOverride> {
    const rows = (await m.query(
      `SELECT max_sandboxes, max_cpu, max_memory_mb, max_gpus FROM user_quotas WHERE user_id = $1`,
      [userId],
    )) as QuotaRow[];
    return toOverride(rows[0]);
  }

  async upsert(userId: string, override: QuotaOverride, by: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO user_quotas (user_id, max_sandboxes, max_cpu, max_memory_mb, max_gpus, updated_by, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, now())
       ON CONFLICT (user_id) DO UPDATE SET max_sandboxes = $2, max_cpu = $3, max_memory_mb = $4,
         max_gpus = $5, updated_by = $6, updated_at = now()`,
      [userId, override.sandboxes, override.cpu, override.memoryMb, override.gpus, by],
    );
  }
}
