import type { UsageRecordInput } from '@nanopod/billing';
import type { SandboxEntity } from '../entities/sandbox.entity';

/**
 * Usage of a sandbox's running time between two instants: `sandbox_seconds`, and `gpu_seconds`
 * when it holds GPUs. Transaction ids are stable per interval, so recording twice is a no-op.
 */
export function usageBetween(sb: SandboxEntity, from: Date, to: Date): UsageRecordInput[] {
  const fromMs = from.getTime();
  const toMs = to.getTime();
  // A serving replica's time is metered by serving (replica seconds by GPU type and spot).
  if (toMs <= fromMs || sb.purpose === 'replica') return [];
  const seconds = (toMs - fromMs) / 1000;
  const properties = {
    gpu_type: sb.gpuType,
    node_id: sb.nodeId,
    partner_id: sb.partnerId,
    sandbox_id: sb.id,
  };
  const subsidy = {
    tier: sb.subsidy.tier,
    rate_multiplier: sb.subsidy.rate_multiplier,
    decision_id: sb.subsidy.decision_id,
  };
  const records: UsageRecordInput[] = [
    {
      transactionId: `sandbox:${sb.id}:sandbox_seconds:${fromMs}-${toMs}`,
      userId: sb.ownerId,
      metric: 'sandbox_seconds',
      quantity: seconds,
      occurredAt: to,
      subsidy,
      properties,
    },
  ];
  if (sb.gpus > 0) {
    records.push({
      transactionId: `sandbox:${sb.id}:gpu_seconds:${fromMs}-${toMs}`,
      userId: sb.ownerId,
      metric: 'gpu_seconds',
      quantity: seconds * sb.gpus,
      occurredAt: to,
      subsidy,
      properties,
    });
  }
  return records;
}
