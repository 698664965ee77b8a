export interface GrantProgram {
  id: string;
  name: string;
  monthlyGpuHours: number;
  rateMultiplier: number;
  eligibility: string;
  startsAt: Date;
  endsAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

export type ApplicationStatus = 'open' | 'approved' | 'rejected';

export interface GrantApplication {
  id: string;
  programId: string;
  programName: string;
  userId: string;
  statement: string;
  status: ApplicationStatus;
  decisionNote: string | null;
  decidedAt: Date | null;
  createdAt: Date;
}

export interface Grant {
  id: string;
  programId: string;
  programName: string;
  userId: string;
  applicationId: string | null;
  monthlyGpuHours: number;
  rateMultiplier: number;
  startsAt: Date;
  endsAt: Date;
  createdAt: Date;
  revokedAt: Date | null;
}

/** A grant counts in decisions while it is not revoked and its program runs. */
export function grantIsActive(g: Grant, now: Date): boolean {
  return !g.revokedAt && g.startsAt <= now && now < g.endsAt;
}
