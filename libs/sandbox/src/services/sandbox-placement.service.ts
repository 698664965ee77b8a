import { Injectable } from '@nestjs/common';
import { ConflictError, UnavailableError } from '@nanopod/common';
import {
  NodeContainment,
  NodeEntity,
  nodePlacementFacts,
  NodesService,
  RuntimeName,
  WorkloadClassName,
} from '@nanopod/federation';
import { PlacementPolicy, PlacementVerdict } from '@nanopod/policy';
import { SandboxEntity } from '../entities/sandbox.entity';
import { NodeUse, SandboxesRepository, SandboxTx } from '../repositories/sandboxes.repository';
import { SandboxErrorCodes } from '../sandbox.errors';

/**
 * CPU is a share, not a pinned core: sandboxes mostly wait (on people, on I/O), so a node
 * takes up to this many times its cores in CPU requests. Memory and GPUs are never overcommitted.
 */
export const CPU_OVERCOMMIT = 4;
/** Generated names drawn before giving up (a clash is one in tens of millions per draw). */
const NAME_TRIES = 5;

export interface PlacementRequest {
  runtime: RuntimeName;
  cpu: number;
  memory_mb: number;
  gpus: number;
  gpu_type: string | null;
  workload_class: WorkloadClassName;
  /** Absent: 'none'. An egress sandbox needs a node that can give it its own network. */
  network?: 'none' | 'egress';
  /**
   * Among nodes the policy scores alike: `true` fills the fullest node that fits first (bin
   * packing, serving's default for replicas); absent or false, the emptiest (spread).
   */
  pack?: boolean;
  /** Nodes that must not take it (a service's replicas with `disable_packing`: one per node). */
  avoid_node_ids?: string[];
  /** Zones that must not take it (a spot replica where the spot price passed its limit). */
  avoid_zones?: string[];
  /** Ports to forward: only a node with an issued address (where the platform connects) fits. */
  forwards_ports?: boolean;
}

export interface NodeFree {
  node_id: string;
  name: string;
  zone: string;
  kind: string;
  free_cpu: number;
  free_memory_mb: number;
  free_gpus: number;
  gpu_models: string[];
  runtimes: string[];
  workload_classes: string[];
  /** Issued with the node's token: where the platform reaches its forwarded ports. */
  address: string | null;
  /** What the node's agent reported it can enforce; undefined from agents that predate it. */
  containment?: NodeContainment;
  /** Why the placement policy refuses this node for the request (absent: it allows it). */
  policy_reasons?: string[];
}

/**
 * Picks a node for a sandbox. Hard limits are checked here: healthy, not cordoned or draining,
 * agent connected, offering the runtime and the workload class it was enrolled for, with free
 * CPU, memory and GPUs (of the type asked), and able to contain it (see `uncontained`). Which
 * of those may take the work, and in which order, is the active placement policy's
 * (`data.nanopod.placement`: latency-sensitive work only on InfiniBand nodes as shipped);
 * among equal scores, the most free memory. No fit is a 409 with what was asked and what
 * exists (with the policy's reasons per node); when nodes had room but none could contain the
 * sandbox, the 409 says so (`sandbox.uncontainable`) rather than run it uncontained. A policy
 * that fails to evaluate places nothing (503 `sandbox.placement_policy_error`).
 */
@Injectable()
export class SandboxPlacement {
  constructor(
    private readonly nodes: NodesService,
    private readonly sandboxes: SandboxesRepository,
    private readonly policy: PlacementPolicy,
  ) {}

  /**
   * The best fit, or null, with what every schedulable node has free, and every fit best
   * first. This read reserves nothing: `reserve` re-checks one node under its row lock.
   */
  async find(
    req: PlacementRequest,
  ): Promise<{ node: NodeEntity | null; fits: NodeEntity[]; free: NodeFree[] }> {
    const candidates = await this.nodes.schedulable();
    const byNode = await this.sandboxes.useByNode(candidates.map((n) => n.id));
    const free = candidates.map((n) => freeOf(n, byNode.get(n.id)));
    const verdictOf = this.policy.judge().forSubject({
      workload_class: req.workload_class,
      request: { kind: 'sandbox', zone: null, gpu_type: req.gpu_type },
    });
    const verdicts = new Map<string, PlacementVerdict>();
    candidates.forEach((n, i) => {
      const { facts, key } = nodePlacementFacts(n);
      const v = verdictOf(key, facts);
      verdicts.set(n.id, v);
      if (!v.allow) free[i].policy_reasons = v.reasons;
    });
    const allowed = free.filter((f) => verdicts.get(f.node_id)!.allow && !avoided(f, req));
    const roomy = allowed.filter((f) => this.hasRoom(f, req));
    const fullestFirst = req.pack ? -1 : 1;
    const fits = roomy
      .filter((f) => uncontained(f, req).length === 0)
      .sort(
        (a, b) =>
          verdicts.get(b.node_id)!.score - verdicts.get(a.node_id)!.score ||
          fullestFirst * (b.free_memory_mb - a.free_memory_mb) ||
          fullestFirst * (b.free_cpu - a.free_cpu) ||
          a.name.localeCompare(b.name),
      )
      .map((f) => candidates.find((c) => c.id === f.node_id)!);
    const failed = [...verdicts.values()].find((v) => v.error);
    if (fits.length === 0 && failed) {
      // Fail closed: a policy that cannot answer places nothing, rather than everything.
      throw new UnavailableError(
        SandboxErrorCodes.placementPolicyError,
        'The placement policy could not be evaluated; nothing is placed until it can',
        { policy_error: failed.error },
      );
    }
    if (fits.length === 0 && roomy.length > 0) {
      throw new ConflictError(
        SandboxErrorCodes.uncontainable,
        req.network === 'egress'
          ? 'No node with room can give this sandbox its own egress network and limits'
          : 'No node with room can enforce this sandbox’s limits',
        {
          requested: req,
          nodes: roomy.map((f) => ({
            node_id: f.node_id,
            name: f.name,
            missing: uncontained(f, req),
          })),
        },
      );
    }
    return { node: fits[0] ?? null, fits, free };
  }

  /**
   * Places `sb` on the first of `candidates` that still has room, atomically: per candidate,
   * one transaction locks the node row, sums what its pending, starting and running sandboxes
   * take, and inserts the sandbox only if it still fits. Concurrent creates on one node queue
   * on the row lock, so a node is never overcommitted. One transaction (one lock) per
   * candidate, so two creates trying nodes in different orders cannot deadlock. A name the
   * owner already uses is a 409 `sandbox.name_taken` when `build` gives the same name again (the
   * caller chose it); a generated one (a new name per `build`) is drawn again.
   */
  async reserve(
    req: PlacementRequest,
    candidates: NodeEntity[],
    build: (node: NodeEntity) => SandboxEntity,
    admit?: (tx: SandboxTx, sb: SandboxEntity) => Promise<void>,
  ): Promise<SandboxEntity | null> {
    for (const candidate of candidates) {
      const placed = await this.sandboxes.transaction(async (tx) => {
        // The owner's checks lock the wallet row first (before the node row): the
        // order every create takes, so concurrent creates queue instead of deadlocking.
        if (admit) await admit(tx, build(candidate));
        const node = await this.nodes.lockForPlacement(tx.manager, candidate.id);
        if (!node) return null;
        const f = freeOf(node, await tx.useOnNode(node.id));
        if (!this.hasRoom(f, req) || uncontained(f, req).length > 0) return null;
        let sb = build(node);
        for (let tries = 1; !(await tx.insert(sb)); tries++) {
          // The owner has a live sandbox of this name: a generated one is drawn again (`build`
          // names afresh), one the owner chose stays theirs to change.
          const again = build(node);
          if (again.name === sb.name || tries >= NAME_TRIES) throw nameTaken(sb.name);
          sb = again;
        }
        return sb;
      });
      if (placed) return placed;
    }
    return null;
  }

  private hasRoom(f: NodeFree, req: PlacementRequest): boolean {
    if (!f.runtimes.includes(req.runtime)) return false;
    // The classes the node was enrolled for (trust), not the policy's choice of node kinds.
    if (!f.workload_classes.includes(req.workload_class)) return false;
    if (req.forwards_ports && !f.address) return false;
    if (f.free_cpu + 1e-9 < req.cpu || f.free_memory_mb < req.memory_mb) return false;
    if (req.gpus > 0) {
      const want = req.gpu_type?.toLowerCase();
      const matching = want
        ? f.gpu_models.filter((m) => m.toLowerCase().includes(want)).length
        : f.gpu_models.length;
      if (Math.min(matching, f.free_gpus) < req.gpus) return false;
    }
    return true;
  }
}

/**
 * What a bwrap sandbox needs and the node cannot enforce (empty: it can be contained). Every
 * one needs the memory and pids cgroups; egress also its own network namespace. An agent that
 * predates the report is trusted for sandboxes without network only: its egress shared the
 * host's network. Other runtimes isolate by themselves (a VM, a remote service).
 */
export function uncontained(f: Pick<NodeFree, 'containment'>, req: PlacementRequest): string[] {
  if (req.runtime !== 'bwrap') return [];
  const egress = req.network === 'egress';
  const c = f.containment;
  if (!c) return egress ? ['netns_egress'] : [];
  const missing: string[] = [];
  if (!c.cgroup_memory) missing.push('cgroup_memory');
  if (!c.cgroup_pids) missing.push('cgroup_pids');
  if (egress && !c.netns_egress) missing.push('netns_egress');
  return missing;
}

/** Kept off by the request itself (its own anti-affinity or zones), whatever its room. */
function avoided(f: NodeFree, req: PlacementRequest): boolean {
  return !!(req.avoid_node_ids?.includes(f.node_id) || req.avoid_zones?.includes(f.zone));
}

function nameTaken(name: string): ConflictError {
  return new ConflictError(
    SandboxErrorCodes.nameTaken,
    `You already have a sandbox named "${name}"; choose another name or delete that one`,
    { name },
  );
}

function freeOf(n: NodeEntity, u: NodeUse | undefined): NodeFree {
  const inv = n.inventory;
  return {
    node_id: n.id,
    name: n.name,
    zone: n.zone,
    kind: n.kind,
    free_cpu: inv.cpu_cores * CPU_OVERCOMMIT - (u?.cpu ?? 0),
    free_memory_mb: inv.memory_mb - (u?.memoryMb ?? 0),
    free_gpus: inv.gpus.length - (u?.gpus ?? 0),
    gpu_models: inv.gpus.map((g) => g.model),
    runtimes: inv.runtimes ?? ['bwrap'],
    workload_classes: n.workloadClasses,
    address: n.address ?? null,
    containment: inv.containment,
  };
}

/**
 * Why no node has room for `req`, in words: no node at all, none offering the runtime, the
 * workload class or GPUs of that kind at all (so waiting will not help), or all of them full.
 */
export function noRoomReason(all: NodeFree[], req: PlacementRequest): string {
  if (all.length === 0) return 'No node is connected and schedulable now';
  const free = all.filter((f) => !avoided(f, req));
  if (free.length === 0) {
    const why = [
      ...(req.avoid_node_ids?.length ? ['one per node was asked'] : []),
      ...(req.avoid_zones?.length ? [`zones kept out: ${req.avoid_zones.join(', ')}`] : []),
    ];
    return `All ${all.length} schedulable node(s) are excluded for this request (${why.join('; ')})`;
  }
  const byRuntime = free.filter((f) => f.runtimes.includes(req.runtime));
  if (byRuntime.length === 0) {
    const offered = [...new Set(free.flatMap((f) => f.runtimes))].sort().join(', ');
    return `No node runs ${req.runtime} sandboxes (nodes here offer: ${offered || 'none'})`;
  }
  const byKind = byRuntime.filter((f) => f.workload_classes.includes(req.workload_class));
  if (byKind.length === 0) {
    return `No ${req.runtime} node takes ${req.workload_class} work`;
  }
  const byClass = req.forwards_ports ? byKind.filter((f) => f.address) : byKind;
  if (byClass.length === 0) {
    return (
      'No node can serve forwarded ports: none has an address the platform reaches it at ' +
      "(an admin sets it with the node's enrollment token)"
    );
  }
  if (req.gpus > 0) {
    const want = req.gpu_type?.toLowerCase();
    const kind = req.gpu_type ? `${req.gpu_type} GPU` : 'GPU';
    const withKind = byClass.filter((f) =>
      want ? f.gpu_models.some((m) => m.toLowerCase().includes(want)) : f.gpu_models.length > 0,
    );
    if (withKind.length === 0) return `No node has a ${kind}`;
    const most = Math.max(...withKind.map((f) => f.gpu_models.length));
    if (most < req.gpus)
      return `No node has ${req.gpus} ${kind}s (the most on one node is ${most})`;
    return `Every node with ${req.gpus} ${kind}(s) is busy now; try again later`;
  }
  const cpu = Math.max(...byClass.map((f) => f.free_cpu));
  const mem = Math.max(...byClass.map((f) => f.free_memory_mb));
  return (
    `Every node is full for ${req.cpu} CPU and ${req.memory_mb} MB now ` +
    `(the most free on one node: ${Math.round(cpu * 100) / 100} CPU, ${mem} MB); try again later or ask for less`
  );
}
