import { ValidationError } from '@nanopod/common';
import { FederationErrorCodes } from '../federation.errors';
import type { NodeInventory, RuntimeName, WorkloadClassName } from '../protocol/agent-protocol';

const CLASSES: WorkloadClassName[] = ['latency_tolerant', 'latency_sensitive'];
const RUNTIMES: RuntimeName[] = ['bwrap', 'firecracker', 'daytona', 'kubernetes'];

function num(v: unknown, field: string, problems: string[]): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    problems.push(`inventory.${field} must be a non-negative number`);
    return 0;
  }
  return v;
}

/**
 * Checks an agent's inventory and applies the federation rule: federated nodes take
 * latency-tolerant work only, whatever they claim; InfiniBand nodes take both.
 * Unknown extra fields from newer agents are kept.
 */
export function normalizeInventory(raw: unknown): NodeInventory {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ValidationError(FederationErrorCodes.inventoryInvalid, 'inventory must be an object');
  }
  const inv = raw as Record<string, unknown>;
  const problems: string[] = [];
  num(inv.cpu_cores, 'cpu_cores', problems);
  num(inv.memory_mb, 'memory_mb', problems);
  if (typeof inv.zone !== 'string' || !inv.zone) problems.push('inventory.zone must be a string');
  if (!Array.isArray(inv.gpus)) problems.push('inventory.gpus must be an array');
  if (problems.length) {
    throw new ValidationError(FederationErrorCodes.inventoryInvalid, problems.join('; '), {
      problems,
    });
  }
  const kind = inv.kind === 'infiniband' ? 'infiniband' : 'federated';
  const claimed = Array.isArray(inv.workload_classes)
    ? (inv.workload_classes as unknown[]).filter((c): c is WorkloadClassName =>
        CLASSES.includes(c as WorkloadClassName),
      )
    : ['latency_tolerant' as const];
  const workload_classes =
    kind === 'infiniband' ? claimed : claimed.filter((c) => c === 'latency_tolerant');
  const runtimes = Array.isArray(inv.runtimes)
    ? (inv.runtimes as unknown[]).filter((r): r is RuntimeName =>
        RUNTIMES.includes(r as RuntimeName),
      )
    : ['bwrap' as const];
  const labels =
    inv.labels && typeof inv.labels === 'object' && !Array.isArray(inv.labels)
      ? Object.fromEntries(
          Object.entries(inv.labels as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
        )
      : {};
  return {
    ...(inv as unknown as NodeInventory),
    hostname: typeof inv.hostname === 'string' ? inv.hostname : 'unknown',
    disk_gb: typeof inv.disk_gb === 'number' ? inv.disk_gb : 0,
    power_watts: typeof inv.power_watts === 'number' ? inv.power_watts : null,
    vpn_address: typeof inv.vpn_address === 'string' ? inv.vpn_address : null,
    agent_version: typeof inv.agent_version === 'string' ? inv.agent_version : 'unknown',
    labels,
    kind,
    workload_classes,
    runtimes,
  };
}
