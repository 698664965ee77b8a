import type { PlacementNodeFacts, PlacementVerdict } from '@nanopod/policy';

/** A node as placement sees it: what it offers now, after what already runs there. */
export interface PlacementNode {
  id: string;
  zone: string;
  kind: 'federated' | 'infiniband';
  /** Healthy, connected, not cordoned or draining. */
  schedulable: boolean;
  /** Issued the workload class asked for at enrollment (trust), and its claims match. */
  trusted: boolean;
  gpuModel: string | null;
  freeGpus: number;
  freeCpu: number;
  freeMemoryMb: number;
  /** What the placement policy sees, and its key (`nodePlacementFacts`). */
  facts: PlacementNodeFacts;
  policyKey: string;
}

export interface PlacementAsk {
  zone: string;
  gpuModel: string | null;
  gpus: number;
  cpu: number;
  memoryMb: number;
}

/** The placement policy's verdict for a node (a `PlacementJudge.forSubject` function). */
export type PlacementVerdictOf = (key: string, facts: PlacementNodeFacts) => PlacementVerdict;

export interface Placed {
  node: PlacementNode | null;
  /** The first policy error met; the node is then null unless another node was allowed. */
  policyError: PlacementVerdict['error'];
}

/**
 * Hard limits first (schedulable, trusted, zone, GPU model, free resources), in TypeScript:
 * they change with every placement. Then the placement policy decides which of those may take
 * the work and in which order (higher score first). Among equal scores, best fit: the node
 * left with the fewest free GPUs, then the least free memory, so big nodes stay whole for big
 * asks. One pass, no allocation per node; the verdicts come from the judge's memory after the
 * first placement, so the policy is evaluated once per kind of node, not per node.
 */
export function placeNode(
  nodes: readonly PlacementNode[],
  ask: PlacementAsk,
  verdictOf: PlacementVerdictOf,
): Placed {
  let best: PlacementNode | null = null;
  let bestScore = 0;
  let policyError: Placed['policyError'] = null;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (!n.schedulable || !n.trusted || n.zone !== ask.zone) continue;
    if (n.freeGpus < ask.gpus || n.freeCpu < ask.cpu || n.freeMemoryMb < ask.memoryMb) continue;
    if (ask.gpus > 0 && ask.gpuModel !== null && n.gpuModel !== ask.gpuModel) continue;
    const v = verdictOf(n.policyKey, n.facts);
    if (!v.allow) {
      if (v.error && !policyError) policyError = v.error;
      continue;
    }
    if (
      best === null ||
      v.score > bestScore ||
      (v.score === bestScore &&
        (n.freeGpus < best.freeGpus ||
          (n.freeGpus === best.freeGpus && n.freeMemoryMb < best.freeMemoryMb)))
    ) {
      best = n;
      bestScore = v.score;
    }
  }
  return { node: best, policyError };
}
