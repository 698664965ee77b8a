/**
 * The contract of `data.nanopod.subsidy.decision`, shared by everything that asks for compute
 * (sandboxes, deployments, orders) and by whoever contributes to the policy input.
 */
export type WorkloadKind = 'sandbox' | 'deployment' | 'order';
export type WorkloadClass = 'latency_tolerant' | 'latency_sensitive';

/** What is being asked for. Snake case: it goes into the Rego input as is. */
export interface SubsidyRequest {
  kind: WorkloadKind;
  workload_class: WorkloadClass;
  gpus: number;
  gpu_type?: string | null;
  cpu?: number;
  memory_mb?: number;
  /** Upper bound of GPU-hours this request may use (TTL x GPUs for a sandbox). */
  estimated_gpu_hours: number;
  /** Full price of the estimate in credits (cents), before any subsidy. */
  estimated_cost?: number;
  /** Node kind placement intends to use, when known. */
  node_kind?: 'federated' | 'infiniband' | null;
}

export interface SubsidyDecision {
  allow: boolean;
  tier: string;
  /** Multiplier on the list price the user pays: 0 = free, 1 = full price. */
  rate_multiplier: number;
  max_gpu_hours: number;
  reasons: string[];
}

export interface DecidedSubsidy extends SubsidyDecision {
  decision_id: string;
  policy_version: number | null;
}

/** The caller as the policy sees it. */
export interface PolicySubject {
  userId: string;
  githubLogin: string | null;
  roles: string[];
}

/**
 * Adds one top-level part of the policy input (`reputation`, `grants`, `usage`, `balance`).
 * Other contexts register theirs with PolicyInputRegistry at start; a contributor that fails
 * yields `{status: "unknown"}` for its key, and the policy decides what unknown means.
 */
export interface PolicyInputContributor {
  readonly key: string;
  contribute(subject: PolicySubject): Promise<unknown>;
}
