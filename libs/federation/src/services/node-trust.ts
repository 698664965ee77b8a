import type { NodeClaims } from '../entities/node.entity';
import type { NodeInventory, NodeKind, WorkloadClassName } from '../protocol/agent-protocol';

/**
 * What a node is (kind, zone, workload classes) is issued by the platform with its enrollment
 * token; its agent reports inventory only. A partner controls the machine the agent runs on,
 * so a claim of `infiniband` in a heartbeat is information for people, never for placement or
 * the subsidy policy's `node_kind`.
 */

/** Federated nodes take latency-tolerant work only; InfiniBand nodes what they were issued. */
export function issuedClasses(
  kind: NodeKind,
  requested: WorkloadClassName[] | null,
): WorkloadClassName[] {
  if (kind !== 'infiniband') return ['latency_tolerant'];
  return requested && requested.length > 0
    ? [...new Set(requested)]
    : ['latency_tolerant', 'latency_sensitive'];
}

export interface IssuedIdentity {
  kind: NodeKind;
  zone: string;
  workloadClasses: WorkloadClassName[];
}

/** The claims in a raw inventory that differ from the issued identity; null when none do. */
export function differingClaims(issued: IssuedIdentity, raw: unknown): NodeClaims | null {
  const inv = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const claims: NodeClaims = {};
  if (typeof inv.kind === 'string' && inv.kind !== issued.kind) claims.kind = inv.kind;
  if (typeof inv.zone === 'string' && inv.zone !== issued.zone) claims.zone = inv.zone;
  if (Array.isArray(inv.workload_classes)) {
    const said = inv.workload_classes.map(String).sort();
    const have = [...issued.workloadClasses].sort();
    if (said.join(',') !== have.join(',')) claims.workload_classes = said;
  }
  return Object.keys(claims).length > 0 ? claims : null;
}

/** The inventory as stored: what the agent measured, with the issued identity in place. */
export function trustedInventory(inventory: NodeInventory, issued: IssuedIdentity): NodeInventory {
  return {
    ...inventory,
    kind: issued.kind,
    zone: issued.zone,
    workload_classes: issued.workloadClasses,
  };
}
