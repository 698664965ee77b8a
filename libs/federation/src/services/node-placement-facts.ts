import { PlacementNodeFacts, placementNodeKey } from '@nanopod/policy';
import { NodeEntity } from '../entities/node.entity';

/**
 * What the placement policy sees of a node: the kind and zone the platform issued, the GPU
 * models, and the labels; never the agent's own claims. `key` groups nodes the policy cannot
 * tell apart, so one verdict serves them all.
 */
export function nodePlacementFacts(n: Pick<NodeEntity, 'kind' | 'zone' | 'labels' | 'inventory'>): {
  facts: PlacementNodeFacts;
  key: string;
} {
  const facts: PlacementNodeFacts = {
    kind: n.kind,
    zone: n.zone,
    gpu_models: (n.inventory?.gpus ?? []).map((g) => g.model),
    labels: n.labels ?? {},
  };
  return { facts, key: placementNodeKey(facts) };
}
