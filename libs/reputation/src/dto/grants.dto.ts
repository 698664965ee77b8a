import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDate,
  IsIn,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { Grant, GrantApplication, GrantProgram } from '../grants/grants.types';

// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const NO_CONTROL = /^[^\u0000-\u001f]+$/;

export class CreateGrantProgramDto {
  @ApiProperty({ example: 'PyTorch contributors 2026', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NO_CONTROL, { message: 'name must not contain control characters' })
  name!: string;

  @ApiProperty({ example: 40, description: 'GPU-hours per calendar month per grantee' })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.01)
  @Max(100_000)
  monthly_gpu_hours!: number;

  @ApiProperty({
    example: 0,
    description: 'What the grantee pays of the list price: 0 = free, 1 = full',
  })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  rate_multiplier!: number;

  @ApiPropertyOptional({ example: 'Merged PRs to pytorch/* in the last year', maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  eligibility?: string;

  @ApiProperty({ type: String, format: 'date-time' })
  @Type(() => Date)
  @IsDate({ message: 'starts_at must be an ISO 8601 date-time' })
  starts_at!: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  @Type(() => Date)
  @IsDate({ message: 'ends_at must be an ISO 8601 date-time' })
  ends_at!: Date;
}

export class UpdateGrantProgramDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NO_CONTROL, { message: 'name must not contain control characters' })
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.01)
  @Max(100_000)
  monthly_gpu_hours?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  rate_multiplier?: number;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  eligibility?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'starts_at must be an ISO 8601 date-time' })
  starts_at?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'ends_at must be an ISO 8601 date-time' })
  ends_at?: Date;
}

export class GrantToUserDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  user_id?: string;

  @ApiPropertyOptional({ example: 'octocat' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9-]{1,39}$/, { message: 'github_login must be a GitHub login' })
  github_login?: string;
}

export class ApplyDto {
  @ApiProperty({
    example: 'I maintain torchvision transforms and need GPUs for CI.',
    minLength: 10,
    maxLength: 2000,
  })
  @IsString()
  @MinLength(10)
  @MaxLength(2000)
  statement!: string;
}

export class DecideApplicationDto {
  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  note?: string;
}

export class RejectApplicationDto {
  @ApiProperty({ maxLength: 1000, description: 'Why, shown to the applicant' })
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  note!: string;
}

export class IdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}

export class ApplicationsQuery {
  @ApiPropertyOptional({ enum: ['open', 'approved', 'rejected'] })
  @IsOptional()
  @IsIn(['open', 'approved', 'rejected'])
  status?: 'open' | 'approved' | 'rejected';

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  program_id?: string;
}

export class GrantProgramDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() monthly_gpu_hours!: number;
  @ApiProperty() rate_multiplier!: number;
  @ApiProperty() eligibility!: string;
  @ApiProperty({ format: 'date-time' }) starts_at!: string;
  @ApiProperty({ format: 'date-time' }) ends_at!: string;
  @ApiProperty({ enum: ['upcoming', 'open', 'ended'] }) state!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;

  static from(p: GrantProgram, now: Date): GrantProgramDto {
    return {
      id: p.id,
      name: p.name,
      monthly_gpu_hours: p.monthlyGpuHours,
      rate_multiplier: p.rateMultiplier,
      eligibility: p.eligibility,
      starts_at: p.startsAt.toISOString(),
      ends_at: p.endsAt.toISOString(),
      state: now < p.startsAt ? 'upcoming' : now < p.endsAt ? 'open' : 'ended',
      created_at: p.createdAt.toISOString(),
      updated_at: p.updatedAt.toISOString(),
    };
  }
}

export class GrantProgramListDto {
  @ApiProperty({ type: [GrantProgramDto] }) data!: GrantProgramDto[];
}

export class GrantDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) program_id!: string;
  @ApiProperty() program!: string;
  @ApiProperty({ format: 'uuid' }) user_id!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) application_id!: string | null;
  @ApiProperty() monthly_gpu_hours!: number;
  @ApiProperty() rate_multiplier!: number;
  @ApiProperty({ format: 'date-time' }) starts_at!: string;
  @ApiProperty({ format: 'date-time' }) ends_at!: string;
  @ApiProperty({ enum: ['active', 'upcoming', 'ended', 'revoked'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;

  static from(g: Grant, now: Date): GrantDto {
    return {
      id: g.id,
      program_id: g.programId,
      program: g.programName,
      user_id: g.userId,
      application_id: g.applicationId,
      monthly_gpu_hours: g.monthlyGpuHours,
      rate_multiplier: g.rateMultiplier,
      starts_at: g.startsAt.toISOString(),
      ends_at: g.endsAt.toISOString(),
      status: g.revokedAt
        ? 'revoked'
        : now < g.startsAt
          ? 'upcoming'
          : now < g.endsAt
            ? 'active'
            : 'ended',
      created_at: g.createdAt.toISOString(),
    };
  }
}

export class GrantApplicationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) program_id!: string;
  @ApiProperty() program!: string;
  @ApiProperty({ format: 'uuid' }) user_id!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) github_login?: string | null;
  @ApiProperty() statement!: string;
  @ApiProperty({ enum: ['open', 'approved', 'rejected'] }) status!: string;
  @ApiProperty({ nullable: true, type: String }) decision_note!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) decided_at!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;

  static from(a: GrantApplication, githubLogin?: string | null): GrantApplicationDto {
    return {
      id: a.id,
      program_id: a.programId,
      program: a.programName,
      user_id: a.userId,
      ...(githubLogin !== undefined ? { github_login: githubLogin } : {}),
      statement: a.statement,
      status: a.status,
      decision_note: a.decisionNote,
      decided_at: a.decidedAt?.toISOString() ?? null,
      created_at: a.createdAt.toISOString(),
    };
  }
}

export class ApplicantReputationDto {
  @ApiProperty({ enum: ['ok', 'partial', 'unknown'] }) status!: string;
  @ApiProperty({ nullable: true, type: Number }) score!: number | null;
}

export class AdminGrantApplicationDto extends GrantApplicationDto {
  @ApiProperty({
    type: ApplicantReputationDto,
    nullable: true,
    description: "The applicant's last computed reputation (null: never computed)",
  })
  reputation!: ApplicantReputationDto | null;
}

export class GrantApplicationListDto {
  @ApiProperty({ type: [AdminGrantApplicationDto] }) data!: AdminGrantApplicationDto[];
}

export class ApprovedApplicationDto {
  @ApiProperty({ type: GrantApplicationDto }) application!: GrantApplicationDto;
  @ApiProperty({ type: GrantDto }) grant!: GrantDto;
}

export class MyGrantsDto {
  @ApiProperty({ type: [GrantDto] }) grants!: GrantDto[];
  @ApiProperty({ type: [GrantApplicationDto] }) applications!: GrantApplicationDto[];
}
