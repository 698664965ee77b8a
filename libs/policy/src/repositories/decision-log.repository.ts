import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThan } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { PolicyDecisionEntity } from '../entities/policy-decision.entity';

/** The decision log: append, read the latest, prune past the retention limits. */
@Injectable()
export class DecisionLogRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async append(row: Omit<PolicyDecisionEntity, 'seq'>): Promise<void> {
    // jsonb columns hold arbitrary JSON, which TypeORM's deep-partial type cannot express.
    await this.db
      .getRepository(PolicyDecisionEntity)
      .insert(row as unknown as QueryDeepPartialEntity<PolicyDecisionEntity>);
  }

  /** The latest decisions of a policy, newest first. */
  latest(policyName: string, limit: number): Promise<PolicyDecisionEntity[]> {
    return this.db
      .getRepository(PolicyDecisionEntity)
      .createQueryBuilder('d')
      .where('d.policy_name = :policyName', { policyName })
      .orderBy('d.created_at', 'DESC')
      .addOrderBy('d.seq', 'DESC')
      .limit(limit)
      .getMany();
  }

  /** Deletes rows older than `before` and all but the newest `keep` rows; returns how many. */
  async prune(keep: number, before: Date): Promise<number> {
    const repo = this.db.getRepository(PolicyDecisionEntity);
    const old = await repo.delete({ createdAt: LessThan(before) });
    const over = (await this.db.query(
      `DELETE FROM policy_decisions WHERE id IN (
         SELECT id FROM policy_decisions ORDER BY created_at DESC, seq DESC OFFSET $1
       ) RETURNING id`,
      [keep],
    )) as unknown[] | [unknown[], number];
    const overCount = Array.isArray(over[0]) ? (over as [unknown[], number])[1] : over.length;
    return (old.affected ?? 0) + overCount;
  }
}
