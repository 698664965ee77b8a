/** Shapes of the /v1/policies API as the admin page uses them. */
export interface PolicyProblem {
  code: string;
  message: string;
  file: string | null;
  row: number | null;
  col: number | null;
}

export interface PolicySummary {
  name: string;
  package: string;
  active_version: number | null;
  updated_at: string;
}

export interface PolicyVersion {
  policy: string;
  version: number;
  status: 'draft' | 'active' | 'archived';
  message: string;
  author_id: string | null;
  created_at: string;
  source?: string;
  tests?: string | null;
  diff?: string;
  active_version?: number | null;
}

export interface PolicyDetail extends PolicySummary {
  active: PolicyVersion | null;
}

export interface TestResult {
  package: string;
  name: string;
  passed: boolean;
  error: string | null;
  duration_ms: number;
}

export interface Decision {
  allow: boolean;
  tier: string;
  rate_multiplier: number;
  max_gpu_hours: number;
  reasons: string[];
}

export interface DryRunResult {
  evaluated: number;
  flips: number;
  changed: number;
  decisions: Array<{
    decision_id: string;
    created_at: string;
    user_id: string | null;
    github_login: string | null;
    /** The active policies' answer today. */
    before: Decision;
    after: Decision;
    after_error: string | null;
    flipped: boolean;
  }>;
}

export interface Activation {
  id: string;
  kind: 'seed' | 'activate' | 'rollback';
  from_version: number | null;
  to_version: number;
  actor_id: string | null;
  message: string;
  diff: string;
  created_at: string;
}
