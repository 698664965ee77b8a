import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Not, Repository } from 'typeorm';
import { ReplicaEntity } from '../entities/replica.entity';
import { ServiceEntity } from '../entities/service.entity';

/** Services and their replicas: every read and write of the serving tables. */
@Injectable()
export class ServicesRepository {
  constructor(
    @InjectRepository(ServiceEntity) private readonly services: Repository<ServiceEntity>,
    @InjectRepository(ReplicaEntity) private readonly replicas: Repository<ReplicaEntity>,
  ) {}

  /** Inserts the service; false when a live one already has the name. */
  async insert(s: ServiceEntity): Promise<boolean> {
    try {
      await this.services.insert(s);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === '23505') return false;
      throw err;
    }
  }

  liveByName(name: string): Promise<ServiceEntity | null> {
    return this.services.findOneBy({ name, status: Not('SHUTDOWN') });
  }

  byId(id: string): Promise<ServiceEntity | null> {
    return this.services.findOneBy({ id });
  }

  listLive(ownerId: string | null): Promise<ServiceEntity[]> {
    return this.services.find({
      where: { status: Not('SHUTDOWN'), ...(ownerId ? { ownerId } : {}) },
      order: { createdAt: 'ASC' },
    });
  }

  async update(id: string, patch: Partial<ServiceEntity>): Promise<void> {
    await this.services.update({ id }, patch);
  }

  /**
   * The controller's write of status and scaler: not over a `serve down` that landed while
   * its pass ran (the pass read the service before), which would bring the service back.
   */
  async updateUnlessDown(id: string, patch: Partial<ServiceEntity>): Promise<void> {
    await this.services.update({ id, status: Not(In(['SHUTTING_DOWN', 'SHUTDOWN'])) }, patch);
  }

  /** Takes the next replica ids (ids only grow, also across platform instances). */
  async takeReplicaIds(serviceId: string, count: number): Promise<number[]> {
    const res: unknown[] = await this.services.manager.query(
      `UPDATE serving_services SET next_replica_id = next_replica_id + $2 WHERE id = $1
       RETURNING next_replica_id - $2 AS next`,
      [serviceId, count],
    );
    // TypeORM answers an UPDATE ... RETURNING on PostgreSQL as [rows, affected].
    const rows = (Array.isArray(res[0]) ? res[0] : res) as Array<{ next: number | string }>;
    const first = Number(rows[0].next);
    return Array.from({ length: count }, (_, i) => first + i);
  }

  replicasOf(serviceIds: string[]): Promise<ReplicaEntity[]> {
    if (!serviceIds.length) return Promise.resolve([]);
    return this.replicas.find({
      where: { serviceId: In(serviceIds) },
      order: { replicaId: 'ASC' },
    });
  }

  replica(serviceId: string, replicaId: number): Promise<ReplicaEntity | null> {
    return this.replicas.findOneBy({ serviceId, replicaId });
  }

  async insertReplica(r: ReplicaEntity): Promise<void> {
    await this.replicas.insert(r);
  }

  /** Patches the replica only while it is in one of `from`; false when it had moved on. */
  async updateReplica(
    serviceId: string,
    replicaId: number,
    from: string[],
    patch: Partial<ReplicaEntity>,
  ): Promise<boolean> {
    const res = await this.replicas.update({ serviceId, replicaId, status: In(from) }, patch);
    return (res.affected ?? 0) > 0;
  }

  /** Runs `fn` in one transaction; its manager is for usage records written with the change. */
  transaction<T>(fn: (tx: ServingTx) => Promise<T>): Promise<T> {
    return this.services.manager.transaction((manager) =>
      fn({
        manager,
        update: async (serviceId, replicaId, patch) => {
          await manager.update(ReplicaEntity, { serviceId, replicaId }, patch);
        },
        lock: (serviceId, replicaId) =>
          manager
            .getRepository(ReplicaEntity)
            .createQueryBuilder('r')
            .setLock('pessimistic_write')
            .where('r.service_id = :serviceId AND r.replica_id = :replicaId', {
              serviceId,
              replicaId,
            })
            .getOne(),
      }),
    );
  }
}

export interface ServingTx {
  manager: import('typeorm').EntityManager;
  update(serviceId: string, replicaId: number, patch: Partial<ReplicaEntity>): Promise<void>;
  lock(serviceId: string, replicaId: number): Promise<ReplicaEntity | null>;
}
