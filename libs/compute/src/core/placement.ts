/** A node as placement sees it: what it offers now, after what already runs there. */
export interface PlacementNode {
  id: string;
  zone: string;
  kind: 'federated' | 'infiniband';
  schedulable: boolean;
  gpuModel: string | null;
  freeGpus: number;
  freeCpu: number;
  freeMemoryMb: number;
}

export interface PlacementAsk {
  zone: string;
  gpuModel: string | null;
  gpus: number;
  cpu: number;
  memoryMb: number;
  /** Node kinds the placement policy allows for the workload class. */
  allowedKinds: ReadonlySet<string>;
}

/**
 * Hard limits only (zone, kind the policy allows, schedulable, GPU model, free resources),
 * then best fit: the node left with the fewest free GPUs, then the least free memory, so big
 * nodes stay whole for big asks. One pass, no allocation: it runs per deployment node per tick.
 */
export function placeNode(
  nodes: readonly PlacementNode[],
  ask: PlacementAsk,
): PlacementNode | null {
  let best: PlacementNode | null = null;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (!n.schedulable || n.zone !== ask.zone || !ask.allowedKinds.has(n.kind)) continue;
    if (n.freeGpus < ask.gpus || n.freeCpu < ask.cpu || n.freeMemoryMb < ask.memoryMb) continue;
    if (ask.gpus > 0 && ask.gpuModel !== null && n.gpuModel !== ask.gpuModel) continue;
    if (
      best === null ||
      n.freeGpus < best.freeGpus ||
      (n.freeGpus === best.freeGpus && n.freeMemoryMb < best.freeMemoryMb)
    ) {
      best = n;
    }
  }
  return best;
}
