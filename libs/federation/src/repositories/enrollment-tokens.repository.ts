import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EnrollmentTokenEntity } from '../entities/enrollment-token.entity';
import { NodeEntity } from '../entities/node.entity';

/** One enrollment: the token row locked, then marked used and the node inserted, atomically. */
export interface EnrollmentTx {
  lockToken(id: string): Promise<EnrollmentTokenEntity | null>;
  /** False when the token was used meanwhile. */
  markUsed(id: string, at: Date, nodeId: string): Promise<boolean>;
  insertNode(node: NodeEntity): Promise<void>;
}

/** Reads and writes of `enrollment_tokens`, and the node insert that consumes one. */
@Injectable()
export class EnrollmentTokensRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(token: EnrollmentTokenEntity): Promise<void> {
    await this.db.manager.insert(EnrollmentTokenEntity, token);
  }

  transaction<T>(fn: (tx: EnrollmentTx) => Promise<T>): Promise<T> {
    return this.db.transaction((m) =>
      fn({
        lockToken: (id) =>
          m
            .createQueryBuilder(EnrollmentTokenEntity, 't')
            .setLock('pessimistic_write')
            .where('t.id = :id', { id })
            .getOne(),
        markUsed: async (id, at, nodeId) => {
          // Conditional as well as locked: a token is consumed by exactly one UPDATE.
          const result = await m
            .createQueryBuilder()
            .update(EnrollmentTokenEntity)
            .set({ usedAt: at, usedByNodeId: nodeId })
            .where('id = :id AND used_at IS NULL', { id })
            .execute();
          return (result.affected ?? 0) > 0;
        },
        insertNode: async (node) => {
          await m.insert(NodeEntity, node);
        },
      }),
    );
  }
}
