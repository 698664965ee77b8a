import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, Repository } from 'typeorm';
import { DeploymentNodeState, LIVE_STATES } from '../core';
import { DeploymentEntity, DeploymentNodeEntity } from '../entities/deployment.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Deployments and their nodes. */
@Injectable()
export class DeploymentsRepository {
  constructor(
    @InjectRepository(DeploymentEntity) private readonly deployments: Repository<DeploymentEntity>,
    @InjectRepository(DeploymentNodeEntity)
    private readonly nodes: Repository<DeploymentNodeEntity>,
  ) {}

  insert(d: DeploymentEntity): Promise<unknown> {
    return this.deployments.insert(d);
  }

  findOwned(ownerId: string, idOrName: string): Promise<DeploymentEntity | null> {
    return this.deployments.findOneBy(
      UUID.test(idOrName)
        ? { ownerId, id: idOrName, deletedAt: IsNull() }
        : { ownerId, name: idOrName, deletedAt: IsNull() },
    );
  }

  list(ownerId: string): Promise<DeploymentEntity[]> {
    return this.deployments.find({
      where: { ownerId, deletedAt: IsNull() },
      order: { createdAt: 'ASC' },
    });
  }

  /** Deployments the reconciler looks after: live ones, and deleted ones with live nodes. */
  async toReconcile(): Promise<DeploymentEntity[]> {
    return this.deployments
      .createQueryBuilder('d')
      .where('d.deleted_at IS NULL')
      .orWhere(
        `EXISTS (SELECT 1 FROM compute_deployment_nodes n WHERE n.deployment_id = d.id AND n.state IN (:...live))`,
        { live: LIVE_STATES },
      )
      .orderBy('d.created_at', 'ASC')
      .getMany();
  }

  onCapacity(capacityId: string): Promise<DeploymentEntity[]> {
    return this.deployments.findBy({ capacityId, deletedAt: IsNull() });
  }

  async update(id: string, patch: Partial<DeploymentEntity>): Promise<void> {
    await this.deployments.update({ id }, patch);
  }

  nodesOf(
    deploymentIds: string[],
    states?: readonly DeploymentNodeState[],
  ): Promise<DeploymentNodeEntity[]> {
    if (deploymentIds.length === 0) return Promise.resolve([]);
    return this.nodes.find({
      where: { deploymentId: In(deploymentIds), ...(states ? { state: In([...states]) } : {}) },
      order: { seq: 'ASC' },
    });
  }

  liveNodesOfCapacity(capacityId: string): Promise<DeploymentNodeEntity[]> {
    return this.nodes.find({
      where: { capacityId, state: In([...LIVE_STATES]) },
      order: { createdAt: 'ASC', seq: 'ASC' },
    });
  }

  /** Pending and running deployment nodes placed on any of `hostIds` (what they take there). */
  hostedOn(hostIds: string[]): Promise<DeploymentNodeEntity[]> {
    if (hostIds.length === 0) return Promise.resolve([]);
    return this.nodes.find({
      where: { nodeId: In(hostIds), state: In(['pending', 'running']) },
    });
  }

  async maxSeq(deploymentId: string): Promise<number> {
    const [row] = (await this.nodes.query(
      `SELECT COALESCE(MAX(seq), 0) AS s FROM compute_deployment_nodes WHERE deployment_id = $1`,
      [deploymentId],
    )) as { s: number }[];
    return Number(row.s);
  }

  insertNodes(nodes: DeploymentNodeEntity[]): Promise<unknown> {
    return nodes.length ? this.nodes.insert(nodes) : Promise.resolve();
  }

  /** Moves a node only from the state it was read in: a concurrent move wins, this one is a no-op. */
  async moveNode(
    id: string,
    from: DeploymentNodeState,
    patch: Partial<DeploymentNodeEntity>,
  ): Promise<boolean> {
    const res = await this.nodes.update({ id, state: from }, patch);
    return (res.affected ?? 0) > 0;
  }
}
