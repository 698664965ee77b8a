import { Injectable } from '@nestjs/common';
import { Clock, PolicyDeniedError } from '@nanopod/common';
import { instanceType, MarketService } from '@nanopod/market';
import { PolicySubject, SubsidyDecider } from '@nanopod/policy';
import { randomUUID } from 'node:crypto';
import {
  ComputeErrorCodes,
  ComputeInvalidError,
  ComputeNotFoundError,
  NameTakenError,
} from '../compute.errors';
import { CapacityEntity } from '../entities/capacity.entity';
import {
  DeploymentEntity,
  DeploymentNodeEntity,
  DeploymentSubsidy,
} from '../entities/deployment.entity';
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
    private readonly decider: SubsidyDecider,
    private readonly market: MarketService,
  ) {}

  async create(
    actor: PolicySubject,
    input: { name: string; capacity: string; nodeTemplate: string; targetNodeCount: number },
  ): Promise<DeploymentView> {
    const ownerId = actor.userId;
    const capacity = await this.catalog.capacity(ownerId, input.capacity);
    const template = await this.catalog.template(ownerId, input.nodeTemplate);
    this.checkTarget(input.targetNodeCount, capacity.maxNodes);
    if (await this.repo.findOwned(ownerId, input.name))
      throw new NameTakenError('deployment', input.name);
    const subsidy = await this.decide(actor, capacity, input.targetNodeCount);
    const now = this.clock.now();
    const d = Object.assign(new DeploymentEntity(), {
      id: randomUUID(),
      ownerId,
      name: input.name,
      capacityId: capacity.id,
      nodeTemplateId: template.id,
      targetNodeCount: input.targetNodeCount,
      subsidy,
      deletedAt: null,
      createdAt: now,
      updatedAt: now,
    });
    await this.repo.insert(d);
    return this.get(ownerId, d.id);
  }

  /** A scale-up is decided again (for the new count); scaling down needs no decision. */
  async setTarget(actor: PolicySubject, idOrName: string, target: number): Promise<DeploymentView> {
    const ownerId = actor.userId;
    const d = await this.find(ownerId, idOrName);
    const capacity = await this.catalog.capacity(ownerId, d.capacityId);
    this.checkTarget(target, capacity.maxNodes);
    const subsidy =
      target > d.targetNodeCount ? await this.decide(actor, capacity, target) : d.subsidy;
    await this.repo.update(d.id, { targetNodeCount: target, subsidy, updatedAt: this.clock.now() });
    return this.get(ownerId, d.id);
  }

  /**
   * The subsidy policy's decision for running `target` nodes of the capacity (kind `deployment`),
   * priced at one hour at the current spot price (the last trade, else the best ask; none yet:
   * nothing to pay). The hours themselves are bought by orders, each decided on its own.
   */
  private async decide(
    actor: PolicySubject,
    capacity: CapacityEntity,
    target: number,
  ): Promise<DeploymentSubsidy> {
    const type = instanceType(capacity.instanceType)!;
    const price = await this.market.price(capacity.zone, capacity.instanceType, 0);
    const priceCents = price.lastPriceCents ?? price.bestAskCents ?? 0;
    const gpuHours = target * type.gpuCount;
    const decision = await this.decider.decide(actor, {
      kind: 'deployment',
      workload_class: 'latency_tolerant',
      gpus: target * type.gpuCount,
      gpu_type: type.gpuModel,
      cpu: type.cpu * target,
      memory_mb: type.memoryMb * target,
      estimated_gpu_hours: gpuHours,
      estimated_cost: gpuHours * priceCents,
      node_kind: capacity.clusterKind === 'self-managed' ? null : capacity.clusterKind,
    });
    if (!decision.allow) {
      throw new PolicyDeniedError(
        ComputeErrorCodes.policyDenied,
        `The subsidy policy denied ${target} nodes of ${capacity.name}`,
        {
          reasons: decision.reasons,
          tier: decision.tier,
          decision_id: decision.decision_id,
          policy_version: decision.policy_version,
        },
      );
    }
    return {
      tier: decision.tier,
      rate_multiplier: decision.rate_multiplier,
      decision_id: decision.decision_id,
      policy_version: decision.policy_version,
      target_node_count: target,
    };
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
