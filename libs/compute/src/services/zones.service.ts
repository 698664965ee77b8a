import { Injectable } from '@nestjs/common';
import { NodeEntity, NodesService } from '@nanopod/federation';
import { CapacitiesRepository } from '../repositories/capacities.repository';

export interface Zone {
  name: string;
  available: boolean;
  /** Schedulable nodes in the zone now. */
  availableCapacity: number;
  region: string;
  hardwareType: string;
  interconnectType: 'federated-vpn' | 'infiniband';
  deliveryType: 'VM';
}

/**
 * Zones come from where nodes are (their enrolled zone and labels) plus the zones capacities
 * name: a zone with capacities but no node yet is listed as unavailable.
 */
@Injectable()
export class ZonesService {
  constructor(
    private readonly nodes: NodesService,
    private readonly capacities: CapacitiesRepository,
  ) {}

  async list(): Promise<Zone[]> {
    const [all, schedulable, configured] = await Promise.all([
      this.nodes.select({}),
      this.nodes.schedulable(),
      this.capacities.zones(),
    ]);
    const ready = new Set(schedulable.map((n) => n.id));
    const byZone = new Map<string, NodeEntity[]>();
    for (const n of all) byZone.set(n.zone, [...(byZone.get(n.zone) ?? []), n]);
    for (const c of configured) if (!byZone.has(c.zone)) byZone.set(c.zone, []);
    return [...byZone.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, nodes]) => {
        const up = nodes.filter((n) => ready.has(n.id));
        const gpus = nodes.flatMap((n) => n.inventory?.gpus?.map((g) => g.model) ?? []);
        return {
          name,
          available: up.length > 0,
          availableCapacity: up.length,
          region: nodes.find((n) => n.labels?.region)?.labels.region ?? name,
          hardwareType: mostCommon(gpus) ?? 'cpu',
          interconnectType: nodes.some((n) => n.kind === 'infiniband')
            ? 'infiniband'
            : 'federated-vpn',
          deliveryType: 'VM',
        };
      });
  }
}

function mostCommon(xs: string[]): string | null {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  let best: string | null = null;
  for (const [k, n] of counts) if (best === null || n > counts.get(best)!) best = k;
  return best;
}
