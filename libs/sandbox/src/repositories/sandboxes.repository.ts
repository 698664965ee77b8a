import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, IsNull, LessThanOrEqual, Not, Repository } from 'typeorm';
import { ACTIVE_STATES, SandboxEntity, SandboxState } from '../entities/sandbox.entity';

/** One transaction on sandbox rows; `manager` is handed to ports that write in it (usage). */
export interface SandboxTx {
  manager: EntityManager;
  /** The row, locked until the transaction ends. */
  lock(id: string): Promise<SandboxEntity | null>;
  update(id: string, patch: Partial<SandboxEntity>): Promise<void>;
  /** Inserts the row; false (nothing written) when the owner has a live sandbox of that name. */
  insert(sb: SandboxEntity): Promise<boolean>;
  /** What active sandboxes take on one node, read in this transaction. */
  useOnNode(nodeId: string): Promise<NodeUse>;
  /** What the owner's active sandboxes take and hold, read in this transaction. */
  useOfOwner(ownerId: string): Promise<OwnerUse>;
}

/** What one owner's active sandboxes take, and the unmetered part of their reservations. */
export interface OwnerUse extends NodeUse {
  sandboxes: number;
  heldMicro: number;
}

export interface NodeUse {
  cpu: number;
  memoryMb: number;
  gpus: number;
}

/** All reads and writes of the `sandboxes` table. */
@Injectable()
export class SandboxesRepository {
  constructor(@InjectRepository(SandboxEntity) private readonly repo: Repository<SandboxEntity>) {}

  async insert(sb: SandboxEntity): Promise<void> {
    await this.repo.insert(sb);
  }

  /** A sandbox that is not deleted. */
  findLive(id: string): Promise<SandboxEntity | null> {
    return this.repo.findOne({ where: { id, deletedAt: IsNull() } });
  }

  /** The owner's sandbox of that name that is not deleted (names are unique among those). */
  findLiveByName(ownerId: string, name: string): Promise<SandboxEntity | null> {
    return this.repo.findOne({ where: { ownerId, name, deletedAt: IsNull() } });
  }

  findById(id: string): Promise<SandboxEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findOnNode(id: string, nodeId: string): Promise<SandboxEntity | null> {
    return this.repo.findOne({ where: { id, nodeId } });
  }

  /** Newest first; `ownerId` null lists everyone's. */
  list(
    ownerId: string | null,
    filter: { state?: SandboxState; name?: string } = {},
    limit = 500,
  ): Promise<SandboxEntity[]> {
    return this.repo.find({
      where: {
        deletedAt: IsNull(),
        ...(ownerId ? { ownerId } : {}),
        ...(filter.state ? { state: filter.state } : {}),
        ...(filter.name ? { name: filter.name } : {}),
      },
      order: { createdAt: 'DESC' },
      take: limit,
    });
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.repo.update({ id }, { lastActivityAt: at });
  }

  /** Live sandboxes past their TTL that still hold something (failed ones keep their files). */
  dueToExpire(now: Date): Promise<SandboxEntity[]> {
    return this.repo.find({
      where: {
        deletedAt: IsNull(),
        expiresAt: LessThanOrEqual(now),
        state: Not('expired'),
      },
    });
  }

  runningLive(): Promise<SandboxEntity[]> {
    return this.repo.find({ where: { deletedAt: IsNull(), state: 'running' } });
  }

  /** Sandboxes holding resources (pending, starting, running), on the given nodes or anywhere. */
  active(nodeIds?: string[]): Promise<SandboxEntity[]> {
    return this.repo.find({
      where: { state: In(ACTIVE_STATES), ...(nodeIds ? { nodeId: In(nodeIds) } : {}) },
    });
  }

  /** Every sandbox the platform placed on a node, in any state. */
  onNode(nodeId: string): Promise<SandboxEntity[]> {
    return this.repo.find({ where: { nodeId } });
  }

  async countActiveByNode(nodeIds: string[]): Promise<Map<string, number>> {
    if (!nodeIds.length) return new Map();
    const rows = (await this.repo
      .createQueryBuilder('s')
      .select('s.node_id', 'node_id')
      .addSelect('COUNT(*)', 'n')
      .where('s.node_id IN (:...ids) AND s.state IN (:...states)', {
        ids: nodeIds,
        states: ACTIVE_STATES,
      })
      .groupBy('s.node_id')
      .getRawMany()) as Array<{ node_id: string; n: string }>;
    return new Map(rows.map((r) => [r.node_id, Number(r.n)]));
  }

  /** What active sandboxes take on each node: one aggregate query. */
  async useByNode(
    nodeIds: string[],
    manager: EntityManager = this.repo.manager,
  ): Promise<Map<string, NodeUse>> {
    if (!nodeIds.length) return new Map();
    const rows = (await manager.query(
      `SELECT node_id, COALESCE(SUM(cpu), 0) AS cpu, COALESCE(SUM(memory_mb), 0) AS memory_mb,
              COALESCE(SUM(gpus), 0) AS gpus
         FROM sandboxes
        WHERE node_id = ANY($1::uuid[]) AND state IN ('pending', 'starting', 'running')
        GROUP BY node_id`,
      [nodeIds],
    )) as Array<{
      node_id: string;
      cpu: string | number;
      memory_mb: string | number;
      gpus: string | number;
    }>;
    return new Map(
      rows.map((r) => [
        r.node_id,
        { cpu: Number(r.cpu), memoryMb: Number(r.memory_mb), gpus: Number(r.gpus) },
      ]),
    );
  }

  /**
   * The owner's active sandboxes: count, CPU, memory, GPUs, and what their reservations still
   * hold: the share of each reservation for the time not yet metered (metering settles the rest).
   */
  async useOfOwner(ownerId: string, manager: EntityManager = this.repo.manager): Promise<OwnerUse> {
    const rows = (await manager.query(
      `SELECT COUNT(*) AS n, COALESCE(SUM(cpu), 0) AS cpu, COALESCE(SUM(memory_mb), 0) AS memory_mb,
              COALESCE(SUM(gpus), 0) AS gpus,
              COALESCE(SUM(CEIL(reserved_micro * LEAST(1, GREATEST(0,
                EXTRACT(EPOCH FROM (expires_at - GREATEST(COALESCE(metered_until, created_at), created_at)))
                / GREATEST(ttl_seconds, 1))))), 0) AS held
         FROM sandboxes
        WHERE owner_id = $1 AND state IN ('pending', 'starting', 'running')`,
      [ownerId],
    )) as Array<Record<string, string | number>>;
    const r = rows[0];
    return {
      sandboxes: Number(r.n),
      cpu: Number(r.cpu),
      memoryMb: Number(r.memory_mb),
      gpus: Number(r.gpus),
      heldMicro: Number(r.held),
    };
  }

  /**
   * Rewrites the env of every row for which `seal` returns a new map (rows with a non-empty
   * env only), in batches; returns how many changed.
   */
  async sealPlainEnv(
    seal: (env: Record<string, string>) => Record<string, string> | null,
  ): Promise<number> {
    let changed = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = (await this.repo.manager.query(
        `SELECT id, env FROM sandboxes WHERE env <> '{}'::jsonb AND id > $1 ORDER BY id LIMIT 500`,
        [after],
      )) as Array<{ id: string; env: Record<string, string> }>;
      if (rows.length === 0) return changed;
      for (const row of rows) {
        const next = seal(row.env);
        if (next) {
          await this.repo.manager.query(`UPDATE sandboxes SET env = $2::jsonb WHERE id = $1`, [
            row.id,
            JSON.stringify(next),
          ]);
          changed++;
        }
      }
      after = rows[rows.length - 1].id;
    }
  }

  /** One conditional UPDATE: applies `patch` only while the state is one of `states`. */
  async updateIfIn(
    id: string,
    states: SandboxState[],
    patch: Partial<SandboxEntity>,
  ): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .update()
      .set(patch)
      .where('id = :id AND state IN (:...states)', { id, states })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  transaction<T>(fn: (tx: SandboxTx) => Promise<T>): Promise<T> {
    return this.repo.manager.transaction((manager) =>
      fn({
        manager,
        lock: (id) =>
          manager
            .createQueryBuilder(SandboxEntity, 's')
            .setLock('pessimistic_write')
            .where('s.id = :id', { id })
            .getOne(),
        update: async (id, patch) => {
          await manager.update(SandboxEntity, { id }, patch);
        },
        // ON CONFLICT DO NOTHING: a taken name (the partial unique index on owner and name)
        // leaves the transaction usable, and costs no extra query when the name is free.
        insert: async (sb) => {
          const res = await manager
            .createQueryBuilder()
            .insert()
            .into(SandboxEntity)
            .values(sb)
            .orIgnore()
            .returning('id')
            .execute();
          return (res.raw as unknown[]).length > 0;
        },
        useOfOwner: (ownerId) => this.useOfOwner(ownerId, manager),
        useOnNode: async (nodeId) =>
          (await this.useByNode([nodeId], manager)).get(nodeId) ?? { cpu: 0, memoryMb: 0, gpus: 0 },
      }),
    );
  }
}
