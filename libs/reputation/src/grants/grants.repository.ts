import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { rowsOf } from '../http/sql';
import { ApplicationStatus, Grant, GrantApplication, GrantProgram } from './grants.types';

type Row = Record<string, unknown>;
const d = (v: unknown): Date => new Date(v as string);
const dn = (v: unknown): Date | null =>
  v === null || v === undefined ? null : new Date(v as string);

const program = (r: Row): GrantProgram => ({
  id: r.id as string,
  name: r.name as string,
  monthlyGpuHours: Number(r.monthly_gpu_hours),
  rateMultiplier: Number(r.rate_multiplier),
  eligibility: r.eligibility as string,
  startsAt: d(r.starts_at),
  endsAt: d(r.ends_at),
  createdAt: d(r.created_at),
  updatedAt: d(r.updated_at),
});

const application = (r: Row): GrantApplication => ({
  id: r.id as string,
  programId: r.program_id as string,
  programName: r.program_name as string,
  userId: r.user_id as string,
  statement: r.statement as string,
  status: r.status as ApplicationStatus,
  decisionNote: (r.decision_note as string | null) ?? null,
  decidedAt: dn(r.decided_at),
  createdAt: d(r.created_at),
});

const grant = (r: Row): Grant => ({
  id: r.id as string,
  programId: r.program_id as string,
  programName: r.program_name as string,
  userId: r.user_id as string,
  applicationId: (r.application_id as string | null) ?? null,
  monthlyGpuHours: Number(r.monthly_gpu_hours),
  rateMultiplier: Number(r.rate_multiplier),
  startsAt: d(r.starts_at),
  endsAt: d(r.ends_at),
  createdAt: d(r.created_at),
  revokedAt: dn(r.revoked_at),
});

const PROGRAM_COLS = `id, name, monthly_gpu_hours, rate_multiplier, eligibility, starts_at, ends_at, created_at, updated_at`;
const APPLICATION_SELECT = `SELECT a.id, a.program_id, p.name AS program_name, a.user_id, a.statement, a.status,
  a.decision_note, a.decided_at, a.created_at FROM grant_applications a JOIN grant_programs p ON p.id = a.program_id`;
const GRANT_SELECT = `SELECT g.id, g.program_id, p.name AS program_name, g.user_id, g.application_id,
  p.monthly_gpu_hours, p.rate_multiplier, p.starts_at, p.ends_at, g.created_at, g.revoked_at
  FROM grants g JOIN grant_programs p ON p.id = g.program_id`;

export interface ProgramFields {
  name: string;
  monthlyGpuHours: number;
  rateMultiplier: number;
  eligibility: string;
  startsAt: Date;
  endsAt: Date;
}

export const isUniqueViolation = (err: unknown): boolean =>
  (err as { code?: string }).code === '23505';

/** SQL of grant programs, applications and grants. */
@Injectable()
export class GrantsRepository {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(fn);
  }

  async insertProgram(f: ProgramFields, createdBy: string, now: Date): Promise<GrantProgram> {
    const [r] = (await this.dataSource.query(
      `INSERT INTO grant_programs (name, monthly_gpu_hours, rate_multiplier, eligibility, starts_at, ends_at, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING ${PROGRAM_COLS}`,
      [
        f.name,
        f.monthlyGpuHours,
        f.rateMultiplier,
        f.eligibility,
        f.startsAt,
        f.endsAt,
        createdBy,
        now,
      ],
    )) as Row[];
    return program(r!);
  }

  async updateProgram(id: string, f: ProgramFields, now: Date): Promise<GrantProgram> {
    const rows = rowsOf<Row>(
      await this.dataSource.query(
        `UPDATE grant_programs SET name = $2, monthly_gpu_hours = $3, rate_multiplier = $4, eligibility = $5,
           starts_at = $6, ends_at = $7, updated_at = $8 WHERE id = $1 RETURNING ${PROGRAM_COLS}`,
        [id, f.name, f.monthlyGpuHours, f.rateMultiplier, f.eligibility, f.startsAt, f.endsAt, now],
      ),
    );
    return program(rows[0]!);
  }

  async getProgram(id: string): Promise<GrantProgram | null> {
    const [r] = (await this.dataSource.query(
      `SELECT ${PROGRAM_COLS} FROM grant_programs WHERE id = $1`,
      [id],
    )) as Row[];
    return r ? program(r) : null;
  }

  async listPrograms(): Promise<GrantProgram[]> {
    const rows = (await this.dataSource.query(
      `SELECT ${PROGRAM_COLS} FROM grant_programs ORDER BY starts_at DESC, lower(name)`,
    )) as Row[];
    return rows.map(program);
  }

  async insertApplication(
    programId: string,
    userId: string,
    statement: string,
    now: Date,
  ): Promise<GrantApplication> {
    const [r] = (await this.dataSource.query(
      `INSERT INTO grant_applications (program_id, user_id, statement, status, created_at)
       VALUES ($1, $2, $3, 'open', $4) RETURNING id`,
      [programId, userId, statement, now],
    )) as { id: string }[];
    return (await this.getApplication(r!.id))!;
  }

  async getApplication(
    id: string,
    m: EntityManager = this.dataSource.manager,
  ): Promise<GrantApplication | null> {
    const [r] = (await m.query(`${APPLICATION_SELECT} WHERE a.id = $1`, [id])) as Row[];
    return r ? application(r) : null;
  }

  async listApplications(filter: {
    status?: ApplicationStatus;
    userId?: string;
    programId?: string;
  }): Promise<GrantApplication[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status) where.push(`a.status = $${params.push(filter.status)}`);
    if (filter.userId) where.push(`a.user_id = $${params.push(filter.userId)}`);
    if (filter.programId) where.push(`a.program_id = $${params.push(filter.programId)}`);
    const rows = (await this.dataSource.query(
      `${APPLICATION_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.created_at DESC LIMIT 500`,
      params,
    )) as Row[];
    return rows.map(application);
  }

  /** Closes an open application; false when it was not open any more. */
  async decide(
    m: EntityManager,
    id: string,
    status: 'approved' | 'rejected',
    note: string | null,
    adminId: string,
    now: Date,
  ): Promise<boolean> {
    const rows = rowsOf<unknown>(
      await m.query(
        `UPDATE grant_applications SET status = $2, decision_note = $3, decided_by = $4, decided_at = $5
          WHERE id = $1 AND status = 'open' RETURNING id`,
        [id, status, note, adminId, now],
      ),
    );
    return rows.length > 0;
  }

  /** Inserts a live grant; null when the user already holds one for this program. */
  async insertGrant(
    m: EntityManager,
    g: {
      programId: string;
      userId: string;
      applicationId: string | null;
      grantedBy: string;
      now: Date;
    },
  ): Promise<string | null> {
    const rows = (await m.query(
      `INSERT INTO grants (program_id, user_id, application_id, granted_by, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (program_id, user_id) WHERE revoked_at IS NULL DO NOTHING RETURNING id`,
      [g.programId, g.userId, g.applicationId, g.grantedBy, g.now],
    )) as { id: string }[];
    return rows[0]?.id ?? null;
  }

  async getGrant(id: string, m: EntityManager = this.dataSource.manager): Promise<Grant | null> {
    const [r] = (await m.query(`${GRANT_SELECT} WHERE g.id = $1`, [id])) as Row[];
    return r ? grant(r) : null;
  }

  async liveGrant(programId: string, userId: string): Promise<Grant | null> {
    const [r] = (await this.dataSource.query(
      `${GRANT_SELECT} WHERE g.program_id = $1 AND g.user_id = $2 AND g.revoked_at IS NULL`,
      [programId, userId],
    )) as Row[];
    return r ? grant(r) : null;
  }

  async grantsOf(userId: string): Promise<Grant[]> {
    const rows = (await this.dataSource.query(
      `${GRANT_SELECT} WHERE g.user_id = $1 ORDER BY g.created_at DESC`,
      [userId],
    )) as Row[];
    return rows.map(grant);
  }

  async activeGrantsOf(userId: string, now: Date): Promise<Grant[]> {
    const rows = (await this.dataSource.query(
      `${GRANT_SELECT} WHERE g.user_id = $1 AND g.revoked_at IS NULL AND p.starts_at <= $2 AND p.ends_at > $2
        ORDER BY g.created_at`,
      [userId, now],
    )) as Row[];
    return rows.map(grant);
  }

  async grantsOfProgram(programId: string): Promise<Grant[]> {
    const rows = (await this.dataSource.query(
      `${GRANT_SELECT} WHERE g.program_id = $1 ORDER BY g.created_at DESC`,
      [programId],
    )) as Row[];
    return rows.map(grant);
  }
}
