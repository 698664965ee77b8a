/** libs/reputation/src/dto/grants.dto.ts */
export interface GrantProgram {
  id: string;
  name: string;
  monthly_gpu_hours: number;
  rate_multiplier: number;
  eligibility: string;
  starts_at: string;
  ends_at: string;
  state: 'upcoming' | 'open' | 'ended';
}

export interface Grant {
  id: string;
  program_id: string;
  program: string;
  monthly_gpu_hours: number;
  rate_multiplier: number;
  starts_at: string;
  ends_at: string;
  status: 'active' | 'upcoming' | 'ended' | 'revoked';
}

export interface GrantApplication {
  id: string;
  program_id: string;
  program: string;
  user_id: string;
  github_login?: string | null;
  /** Admin list only: the applicant's last computed reputation. */
  reputation?: { status: string; score: number | null } | null;
  statement: string;
  status: 'open' | 'approved' | 'rejected';
  decision_note: string | null;
  decided_at: string | null;
  created_at: string;
}

export const rate = (r: number): string =>
  r === 0 ? 'free' : `${Math.round(r * 100)}% of list price`;
