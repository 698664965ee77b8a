import type { EntityManager } from 'typeorm';

export type UsageMetric =
  'sandbox_seconds' | 'gpu_seconds' | 'deployment_node_seconds' | 'egress_bytes' | 'api_requests';

/** One measured quantity of usage, as the context that caused it knows it. */
export interface UsageRecordInput {
  /**
   * Stable and unique per real-world usage interval, e.g. `sandbox:<id>:gpu_seconds:<fromMs>-<toMs>`.
   * Recording the same id twice is a no-op (it becomes Lago's `transaction_id`).
   */
  transactionId: string;
  userId: string;
  metric: UsageMetric;
  quantity: number;
  occurredAt: Date;
  /** The subsidy decision that applied when the work started. */
  subsidy: { tier: string; rate_multiplier: number; decision_id?: string | null };
  properties?: {
    gpu_type?: string | null;
    node_id?: string | null;
    partner_id?: string | null;
    sandbox_id?: string | null;
    deployment_id?: string | null;
    [key: string]: string | number | null | undefined;
  };
}

/**
 * The port through which compute contexts hand usage to billing. `record` runs inside the
 * caller's transaction (the same one that changes the sandbox's or deployment's state), so
 * usage and state change commit together or not at all (transactional outbox).
 * Implemented by BillingModule (global).
 */
export abstract class UsageRecorder {
  abstract record(manager: EntityManager, records: UsageRecordInput[]): Promise<void>;
}
