import { Injectable } from '@nestjs/common';
import { instanceType } from '@nanopod/market';
import { NodeEntity, nodePlacementFacts, NodesService } from '@nanopod/federation';
import { PlacementPolicy } from '@nanopod/policy';
import { placeNode, PlacementNode, PlacementVerdictOf } from '../core';
import { CapacityEntity } from '../entities/capacity.entity';
import { CapacitiesRepository } from '../repositories/capacities.repository';
import { DeploymentsRepository } from '../repositories/deployments.repository';

/** Where one deployment node goes: a host, none that fits, a policy error, or no hosts at all. */
export type HostChoice =
  | { kind: 'host'; nodeId: string }
  | { kind: 'no_fit' }
  | { kind: 'policy_error'; code: string }
  | { kind: 'no_hosts' };

/**
 * The workload class of a capacity's nodes: InfiniBand capacities are for the work that needs
 * their latency; every other kind takes latency-tolerant work.
 */
export function workloadClassOf(c: Pick<CapacityEntity, 'clusterKind'>): string {
  return c.clusterKind === 'infiniband' ? 'latency_sensitive' : 'latency_tolerant';
}

/**
 * Hosts for the nodes of one capacity, for one reconciler pass: the zone's schedulable agents
 * with what deployment nodes already take there (the instance type's GPUs, CPU and memory),
 * filtered by hard limits and decided by the active placement policy (`placeNode`). Each
 * placement takes its share from the pool, so one pass never overfills a host.
 */
export class HostPool {
  constructor(
    private readonly nodes: PlacementNode[],
    private readonly capacity: CapacityEntity,
    private readonly verdictOf: PlacementVerdictOf,
  ) {}

  /** The zone has no schedulable agent: the capacity's time is bought, not hosted here. */
  get empty(): boolean {
    return this.nodes.length === 0;
  }

  choose(): HostChoice {
    if (this.empty) return { kind: 'no_hosts' };
    const t = instanceType(this.capacity.instanceType);
    const ask = {
      zone: this.capacity.zone,
      gpuModel: t?.gpuModel ?? null,
      gpus: t?.gpuCount ?? 0,
      cpu: t?.cpu ?? 0,
      memoryMb: t?.memoryMb ?? 0,
    };
    const { node, policyError } = placeNode(this.nodes, ask, this.verdictOf);
    if (!node)
      return policyError ? { kind: 'policy_error', code: policyError.code } : { kind: 'no_fit' };
    node.freeGpus -= ask.gpus;
    node.freeCpu -= ask.cpu;
    node.freeMemoryMb -= ask.memoryMb;
    return { kind: 'host', nodeId: node.id };
  }
}

@Injectable()
export class DeploymentPlacement {
  constructor(
    private readonly hosts: NodesService,
    private readonly deployments: DeploymentsRepository,
    private readonly capacities: CapacitiesRepository,
    private readonly policy: PlacementPolicy,
  ) {}

  /** The zone's hosts as they are now, for placing nodes of `capacity`. */
  async poolFor(capacity: CapacityEntity): Promise<HostPool> {
    const wanted = workloadClassOf(capacity);
    const inZone = (await this.hosts.schedulable()).filter((n) => n.zone === capacity.zone);
    const hosted = await this.deployments.hostedOn(inZone.map((n) => n.id));
    const caps = new Map(
      (await this.capacities.byIds([...new Set(hosted.map((h) => h.capacityId))])).map((c) => [
        c.id,
        c,
      ]),
    );
    const used = new Map<string, { gpus: number; cpu: number; memoryMb: number }>();
    for (const h of hosted) {
      const t = instanceType(caps.get(h.capacityId)?.instanceType ?? '');
      const u = used.get(h.nodeId!) ?? { gpus: 0, cpu: 0, memoryMb: 0 };
      u.gpus += t?.gpuCount ?? 0;
      u.cpu += t?.cpu ?? 0;
      u.memoryMb += t?.memoryMb ?? 0;
      used.set(h.nodeId!, u);
    }
    const model = instanceType(capacity.instanceType)?.gpuModel ?? null;
    const pool = inZone.map((n) => toPlacementNode(n, used.get(n.id), wanted, model));
    const verdictOf = this.policy.judge().forSubject({
      workload_class: wanted,
      request: {
        kind: 'deployment_node',
        zone: capacity.zone,
        gpu_type: instanceType(capacity.instanceType)?.gpuModel ?? null,
      },
    });
    return new HostPool(pool, capacity, verdictOf);
  }
}

function toPlacementNode(
  n: NodeEntity,
  u: { gpus: number; cpu: number; memoryMb: number } | undefined,
  workloadClass: string,
  model: string | null,
): PlacementNode {
  const { facts, key } = nodePlacementFacts(n);
  const inv = n.inventory;
  // Agents report vendor names ("NVIDIA GeForce RTX 4090"); instance types short ones.
  const reported = inv.gpus[0]?.model ?? null;
  const same =
    reported !== null &&
    model !== null &&
    reported
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .includes(model.toLowerCase());
  return {
    id: n.id,
    zone: n.zone,
    kind: n.kind === 'infiniband' ? 'infiniband' : 'federated',
    schedulable: true,
    // Enrolled for this class of work (issued, never claimed by the agent).
    trusted: (n.workloadClasses as string[]).includes(workloadClass),
    gpuModel: same ? model : reported,
    freeGpus: inv.gpus.length - (u?.gpus ?? 0),
    freeCpu: inv.cpu_cores - (u?.cpu ?? 0),
    freeMemoryMb: inv.memory_mb - (u?.memoryMb ?? 0),
    facts,
    policyKey: key,
  };
}
