import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DATABASE_OPTIONS, DatabaseOptions } from '../database/database.module';

const heldInProcess = new Set<string>();

function lockKey(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(31, h) + name.charCodeAt(i)) | 0;
  return h;
}

/**
 * One leader per loop. On PostgreSQL a session advisory lock held by a dedicated connection
 * (several platform replicas); on PGlite, which has no advisory locks and serves a single
 * process, an in-process lock.
 */
@Injectable()
export class LeaderLock {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(DATABASE_OPTIONS) private readonly options: DatabaseOptions,
  ) {}

  /** Runs `fn` if this instance can take the lock named `name`; returns whether it ran. */
  async runIfLeader(name: string, fn: () => Promise<void>): Promise<boolean> {
    if (this.options.kind === 'pglite') {
      if (heldInProcess.has(name)) return false;
      heldInProcess.add(name);
      try {
        await fn();
        return true;
      } finally {
        heldInProcess.delete(name);
      }
    }
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [row] = (await runner.query('SELECT pg_try_advisory_lock($1) AS ok', [
        lockKey(name),
      ])) as { ok: boolean }[];
      if (!row?.ok) return false;
      try {
        await fn();
        return true;
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [lockKey(name)]);
      }
    } finally {
      await runner.release();
    }
  }
}
