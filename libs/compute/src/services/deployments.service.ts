import { Injectable } from '@nestjs/common';
import { Clock } from '@nanopod/common';
import { randomUUID } from 'node:crypto';
import {
  ComputeErrorCodes,
  ComputeInvalidError,
  ComputeNotFoundError,
  NameTakenError,
} from '../compute.errors';
import { DeploymentEntity, DeploymentNodeEntity } from '../entities/deployment.entity';
import { DeploymentsRepository } from '../repositories/deployments.repository';
import { CatalogService } from './catalog.service';

export interface DeploymentView {
  deployment: DeploymentEntity;
  capacityName: string;
  templateName: string;
  nodes: DeploymentNodeEntity[];
}

/** Deployments: a node template on a capacity with a target node count. The reconciler acts. */
@Injectable()
export class DeploymentsService {
  constructor(
    private readonly repo: DeploymentsRepository,
    private readonly catalog: CatalogService,
    private readonly clock: Clock,
  ) {}

  async create(
    ownerId: string,
    input: { name: string; capacity: string; nodeTemplate: string; targetNodeCount: number },
  ): Promise<DeploymentView> {
    const capacity = await this.catalog.capacity(ownerId, input.capacity);
    const template = await this.catalog.template(ownerId, input.nodeTemplate);
    this.checkTarget(input.targetNodeCount, capacity.maxNodes);
    if (await this.repo.findOwned(ownerId, input.name))
      throw new NameTakenError('deployment', input.name);
    const now = this.clock.now();
    const d = Object.assign(new DeploymentEntity(), {
      id: randomUUID(),
      ownerId,
      name: input.name,
      capacityId: capacity.id,
      nodeTemplateId: template.id,
      targetNodeCount: input.targetNodeCount,
      deletedAt: null,
      createdAt: now,
      updatedAt: now,
    });
    await this.repo.insert(d);
    return this.get(ownerId, d.id);
  }

  async setTarget(ownerId: string, idOrName: string, target: number): Promise<DeploymentView> {
    const d = await this.find(ownerId, idOrName);
    const capacity = await this.catalog.capacity(ownerId, d.capacityId);
    this.checkTarget(target, capacity.maxNodes);
    await this.repo.update(d.id, { targetNodeCount: target, updatedAt: this.clock.now() });
    return this.get(ownerId, d.id);
  }

  /** Deletes the deployment; the reconciler terminates its nodes. */
  async remove(ownerId: string, idOrName: string): Promise<void> {
    const d = await this.find(ownerId, idOrName);
    const now = this.clock.now();
    await this.repo.update(d.id, { deletedAt: now, targetNodeCount: 0, updatedAt: now });
  }

  async get(ownerId: string, idOrName: string): Promise<DeploymentView> {
    const d = await this.find(ownerId, idOrName);
    const [capacity, template, nodes] = await Promise.all([
      this.catalog.capacity(ownerId, d.capacityId),
      this.catalog.template(ownerId, d.nodeTemplateId),
      this.repo.nodesOf([d.id]),
    ]);
    return { deployment: d, capacityName: capacity.name, templateName: template.name, nodes };
  }

  async list(ownerId: string): Promise<DeploymentView[]> {
    const ds = await this.repo.list(ownerId);
    return Promise.all(ds.map((d) => this.get(ownerId, d.id)));
  }

  private async find(ownerId: string, idOrName: string): Promise<DeploymentEntity> {
    const d = await this.repo.findOwned(ownerId, idOrName);
    if (!d)
      throw new ComputeNotFoundError(ComputeErrorCodes.deploymentNotFound, 'Deployment', idOrName);
    return d;
  }

  private checkTarget(target: number, max: number): void {
    if (!Number.isInteger(target) || target < 0) {
      throw new ComputeInvalidError('target_node_count', 'must be a whole number >= 0');
    }
    if (target > max)
      throw new ComputeInvalidError(
        'target_node_count',
        `must not exceed the capacity's max_nodes (${max})`,
      );
  }
}
