import { Injectable, Logger } from '@nestjs/common';
import { Clock, ConflictError, NotFoundError, ValidationError } from '@nanopod/common';
import { isAdmin, Principal, UsersService } from '@nanopod/identity';
import {
  ApplicationNotFoundError,
  ProgramNotFoundError,
  ReputationErrorCodes,
} from '../reputation.errors';
import { ReputationService } from '../score/reputation.service';
import { GrantsRepository, isUniqueViolation, ProgramFields } from './grants.repository';
import {
  ApplicationStatus,
  Grant,
  GrantApplication,
  GrantProgram,
  grantIsActive,
} from './grants.types';

export type ProgramPatch = Partial<ProgramFields>;

/**
 * Subsidy grant programs: admins create them and grant them to users, users apply with a
 * statement and admins approve (which creates the grant) or reject. Active grants feed the
 * subsidy decision.
 */
@Injectable()
export class GrantsService {
  private readonly logger = new Logger(GrantsService.name);

  constructor(
    private readonly repo: GrantsRepository,
    private readonly users: UsersService,
    private readonly reputation: ReputationService,
    private readonly clock: Clock,
  ) {}

  async createProgram(fields: ProgramFields, adminId: string): Promise<GrantProgram> {
    this.checkDates(fields.startsAt, fields.endsAt);
    try {
      return await this.repo.insertProgram(fields, adminId, this.clock.now());
    } catch (err) {
      throw this.nameTaken(err, fields.name);
    }
  }

  async updateProgram(id: string, patch: ProgramPatch): Promise<GrantProgram> {
    const current = await this.program(id);
    const next: ProgramFields = {
      name: patch.name ?? current.name,
      monthlyGpuHours: patch.monthlyGpuHours ?? current.monthlyGpuHours,
      rateMultiplier: patch.rateMultiplier ?? current.rateMultiplier,
      eligibility: patch.eligibility ?? current.eligibility,
      startsAt: patch.startsAt ?? current.startsAt,
      endsAt: patch.endsAt ?? current.endsAt,
    };
    this.checkDates(next.startsAt, next.endsAt);
    try {
      return await this.repo.updateProgram(id, next, this.clock.now());
    } catch (err) {
      throw this.nameTaken(err, next.name);
    }
  }

  async program(id: string): Promise<GrantProgram> {
    const p = await this.repo.getProgram(id);
    if (!p) throw new ProgramNotFoundError(id);
    return p;
  }

  listPrograms(): Promise<GrantProgram[]> {
    return this.repo.listPrograms();
  }

  /** An admin grants a program to a user named by id or GitHub login. */
  async grant(
    programId: string,
    target: { userId?: string; githubLogin?: string },
    adminId: string,
  ): Promise<Grant> {
    if (!!target.userId === !!target.githubLogin) {
      throw new ValidationError(
        ReputationErrorCodes.invalidTarget,
        'Give exactly one of user_id and github_login',
      );
    }
    const program = await this.program(programId);
    const user = target.userId
      ? await this.users.findById(target.userId)
      : await this.users.findByGithubLogin(target.githubLogin!);
    if (!user) {
      throw new NotFoundError(ReputationErrorCodes.userNotFound, 'No such user', {
        ...(target.userId ? { user_id: target.userId } : { github_login: target.githubLogin }),
      });
    }
    this.checkOpen(program);
    const id = await this.repo.transaction((m) =>
      this.repo.insertGrant(m, {
        programId,
        userId: user.id,
        applicationId: null,
        grantedBy: adminId,
        now: this.clock.now(),
      }),
    );
    if (!id) throw this.grantExists(programId);
    this.logger.log({ programId, userId: user.id, grantId: id }, 'grant created');
    return (await this.repo.getGrant(id))!;
  }

  async apply(programId: string, userId: string, statement: string): Promise<GrantApplication> {
    const program = await this.program(programId);
    this.checkOpen(program);
    if (await this.repo.liveGrant(programId, userId)) throw this.grantExists(programId);
    try {
      return await this.repo.insertApplication(
        programId,
        userId,
        statement.trim(),
        this.clock.now(),
      );
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new ConflictError(
          ReputationErrorCodes.applicationExists,
          'You already have an open application to this program',
          { program_id: programId },
        );
      }
      throw err;
    }
  }

  /**
   * For admins: applications with the applicant's current GitHub login and stored reputation
   * (no external calls: null when none was computed yet).
   */
  async listApplications(filter: { status?: ApplicationStatus; programId?: string }): Promise<
    {
      application: GrantApplication;
      githubLogin: string | null;
      reputation: { status: string; score: number | null } | null;
    }[]
  > {
    const list = await this.repo.listApplications(filter);
    const applicants = new Map<
      string,
      { login: string | null; reputation: { status: string; score: number | null } | null }
    >();
    for (const id of new Set(list.map((a) => a.userId))) {
      const [user, rep] = await Promise.all([this.users.findById(id), this.reputation.current(id)]);
      applicants.set(id, {
        login: user?.githubLogin ?? null,
        reputation: rep ? { status: rep.status, score: rep.score } : null,
      });
    }
    return list.map((application) => ({
      application,
      githubLogin: applicants.get(application.userId)?.login ?? null,
      reputation: applicants.get(application.userId)?.reputation ?? null,
    }));
  }

  /** The applicant or an admin; anyone else gets a 404 (it is not theirs to know about). */
  async application(principal: Principal, id: string): Promise<GrantApplication> {
    const a = await this.repo.getApplication(id);
    if (!a || (a.userId !== principal.userId && !isAdmin(principal)))
      throw new ApplicationNotFoundError(id);
    return a;
  }

  async approve(
    id: string,
    adminId: string,
    note: string | null,
  ): Promise<{ application: GrantApplication; grant: Grant }> {
    const now = this.clock.now();
    const { grantId } = await this.repo.transaction(async (m) => {
      const a = await this.repo.getApplication(id, m);
      if (!a) throw new ApplicationNotFoundError(id);
      if (!(await this.repo.decide(m, id, 'approved', note, adminId, now))) throw this.decided(id);
      const gid = await this.repo.insertGrant(m, {
        programId: a.programId,
        userId: a.userId,
        applicationId: a.id,
        grantedBy: adminId,
        now,
      });
      if (!gid) throw this.grantExists(a.programId);
      return { grantId: gid };
    });
    this.logger.log({ applicationId: id, grantId }, 'grant application approved');
    return {
      application: (await this.repo.getApplication(id))!,
      grant: (await this.repo.getGrant(grantId))!,
    };
  }

  async reject(id: string, adminId: string, note: string): Promise<GrantApplication> {
    await this.repo.transaction(async (m) => {
      const a = await this.repo.getApplication(id, m);
      if (!a) throw new ApplicationNotFoundError(id);
      if (!(await this.repo.decide(m, id, 'rejected', note, adminId, this.clock.now())))
        throw this.decided(id);
    });
    this.logger.log({ applicationId: id }, 'grant application rejected');
    return (await this.repo.getApplication(id))!;
  }

  async mine(userId: string): Promise<{ grants: Grant[]; applications: GrantApplication[] }> {
    const [grants, applications] = await Promise.all([
      this.repo.grantsOf(userId),
      this.repo.listApplications({ userId }),
    ]);
    return { grants, applications };
  }

  activeFor(userId: string): Promise<Grant[]> {
    return this.repo.activeGrantsOf(userId, this.clock.now());
  }

  isActive(g: Grant): boolean {
    return grantIsActive(g, this.clock.now());
  }

  private checkDates(startsAt: Date, endsAt: Date): void {
    if (!(endsAt.getTime() > startsAt.getTime())) {
      throw new ValidationError(
        ReputationErrorCodes.invalidDates,
        'ends_at must be after starts_at',
        {
          starts_at: startsAt.toISOString(),
          ends_at: endsAt.toISOString(),
        },
      );
    }
  }

  private checkOpen(p: GrantProgram): void {
    if (p.endsAt.getTime() <= this.clock.nowMs()) {
      throw new ConflictError(ReputationErrorCodes.programClosed, 'This grant program has ended', {
        program_id: p.id,
        ends_at: p.endsAt.toISOString(),
      });
    }
  }

  private grantExists(programId: string): ConflictError {
    return new ConflictError(
      ReputationErrorCodes.grantExists,
      'The user already holds this grant',
      {
        program_id: programId,
      },
    );
  }

  private decided(id: string): ConflictError {
    return new ConflictError(
      ReputationErrorCodes.applicationDecided,
      'This application was already decided',
      {
        id,
      },
    );
  }

  private nameTaken(err: unknown, name: string): unknown {
    if (isUniqueViolation(err)) {
      return new ConflictError(
        ReputationErrorCodes.programExists,
        'A grant program with this name exists',
        { name },
      );
    }
    return err;
  }
}
