import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { NodeEntity } from '../entities/node.entity';

/** All reads and writes of the `nodes` table. */
@Injectable()
export class NodesRepository {
  constructor(@InjectRepository(NodeEntity) private readonly repo: Repository<NodeEntity>) {}

  findById(id: string): Promise<NodeEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  /** Every node of that name (names are not unique), oldest first. */
  findByName(name: string): Promise<NodeEntity[]> {
    return this.repo.find({ where: { name }, order: { createdAt: 'ASC' } });
  }

  /** The credential hash of a node that is not terminated. */
  async credentialHash(id: string): Promise<string | undefined> {
    const row = await this.repo
      .createQueryBuilder('n')
      .addSelect('n.credentialHash')
      .where('n.id = :id AND n.drain <> :t', { id, t: 'terminated' })
      .getOne();
    return row?.credentialHash;
  }

  async update(id: string, patch: Partial<NodeEntity>): Promise<void> {
    await this.repo.update({ id }, patch);
  }

  all(): Promise<NodeEntity[]> {
    return this.repo.find({ order: { createdAt: 'ASC' } });
  }

  ofPartners(partnerIds: string[]): Promise<NodeEntity[]> {
    if (!partnerIds.length) return Promise.resolve([]);
    return this.repo.find({ where: { partnerId: In(partnerIds) }, order: { createdAt: 'ASC' } });
  }

  /** Among `ids`: healthy, not cordoned, not draining. */
  schedulable(ids: string[]): Promise<NodeEntity[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.repo.find({
      where: { id: In(ids), health: 'healthy', drain: 'none', cordoned: false },
      order: { createdAt: 'ASC' },
    });
  }

  /**
   * Locks the node row (`FOR UPDATE`) in the caller's transaction if the node is still
   * schedulable: concurrent placements on one node queue here until the first commits.
   */
  lockSchedulable(manager: EntityManager, id: string): Promise<NodeEntity | null> {
    return manager
      .createQueryBuilder(NodeEntity, 'n')
      .setLock('pessimistic_write')
      .where('n.id = :id AND n.health = :h AND n.drain = :d AND n.cordoned = false', {
        id,
        h: 'healthy',
        d: 'none',
      })
      .getOne();
  }

  namesOf(ids: string[]): Promise<Array<Pick<NodeEntity, 'id' | 'name'>>> {
    if (!ids.length) return Promise.resolve([]);
    return this.repo.find({ where: { id: In(ids) }, select: ['id', 'name'] });
  }

  healthOf(
    ids: string[],
  ): Promise<Array<Pick<NodeEntity, 'id' | 'health' | 'drain' | 'lastHeartbeatAt'>>> {
    if (!ids.length) return Promise.resolve([]);
    return this.repo.find({
      where: { id: In(ids) },
      select: ['id', 'health', 'drain', 'lastHeartbeatAt'],
    });
  }

  /** Nodes not yet lost whose last heartbeat is older than `before`. */
  async silentSince(before: Date): Promise<string[]> {
    const rows = (await this.repo.query(
      `SELECT id FROM nodes WHERE health <> 'lost' AND drain <> 'terminated' AND last_heartbeat_at < $1`,
      [before],
    )) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  /** Marks lost those of `ids` still silent since `before` (a heartbeat in between wins). */
  async markLost(ids: string[], before: Date, at: Date): Promise<void> {
    await this.repo.query(
      `UPDATE nodes SET health = 'lost', health_changed_at = $2, updated_at = $2
        WHERE id = ANY($1::uuid[]) AND health <> 'lost' AND last_heartbeat_at < $3`,
      [ids, at, before],
    );
  }

  /** Healthy nodes silent since `before` become unhealthy; returns their ids. */
  async markUnhealthy(before: Date, at: Date): Promise<string[]> {
    const result = (await this.repo.query(
      `UPDATE nodes SET health = 'unhealthy', health_changed_at = $2, updated_at = $2
        WHERE health = 'healthy' AND drain <> 'terminated' AND last_heartbeat_at < $1
        RETURNING id`,
      [before, at],
    )) as [Array<{ id: string }>, number] | Array<{ id: string }>;
    // TypeORM's postgres driver answers UPDATE ... RETURNING with [rows, count].
    const rows = Array.isArray(result[0])
      ? (result[0] as Array<{ id: string }>)
      : (result as Array<{ id: string }>);
    return rows.map((r) => r.id);
  }

  async drainingIds(): Promise<string[]> {
    return (await this.repo.find({ where: { drain: 'draining' }, select: ['id'] })).map(
      (n) => n.id,
    );
  }

  async markDrained(ids: string[], at: Date): Promise<void> {
    await this.repo.query(
      `UPDATE nodes SET drain = 'drained', updated_at = $2 WHERE drain = 'draining' AND id = ANY($1::uuid[])`,
      [ids, at],
    );
  }
}
