import type { UsageRecordInput } from '@nanopod/billing';
import type { ReplicaEntity } from '../entities/replica.entity';
import type { ServiceEntity } from '../entities/service.entity';

/**
 * Replica seconds between two instants, as `deployment_node_seconds` (a replica is the unit a
 * deployment runs) plus `gpu_seconds` when it holds GPUs, by GPU type and spot/on-demand
 * (`pricing`, which also picks the Lago plan). Ids are stable per interval: recording twice is
 * a no-op.
 */
export function replicaUsageBetween(
  svc: ServiceEntity,
  r: ReplicaEntity,
  from: Date,
  to: Date,
): UsageRecordInput[] {
  const fromMs = from.getTime();
  const toMs = to.getTime();
  if (toMs <= fromMs) return [];
  const seconds = (toMs - fromMs) / 1000;
  const key = `replica:${svc.id}:${r.replicaId}`;
  const subsidy = {
    tier: svc.subsidy.tier,
    rate_multiplier: svc.subsidy.rate_multiplier,
    decision_id: svc.subsidy.decision_id,
  };
  const properties = {
    gpu_type: r.gpuType,
    node_id: r.nodeId,
    deployment_id: svc.id,
    service: svc.name,
    replica_id: r.replicaId,
    pricing: r.pricing,
    sandbox_id: r.sandboxId,
  };
  const out: UsageRecordInput[] = [
    {
      transactionId: `${key}:deployment_node_seconds:${fromMs}-${toMs}`,
      userId: svc.ownerId,
      metric: 'deployment_node_seconds',
      quantity: seconds,
      occurredAt: to,
      subsidy,
      properties,
    },
  ];
  if (r.gpus > 0) {
    out.push({
      transactionId: `${key}:gpu_seconds:${fromMs}-${toMs}`,
      userId: svc.ownerId,
      metric: 'gpu_seconds',
      quantity: seconds * r.gpus,
      occurredAt: to,
      subsidy,
      properties,
    });
  }
  return out;
}
