import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { TestResult } from '@nanopod/rego';
import { PolicyActivationEntity } from '../entities/policy-activation.entity';
import { PolicyDecisionEntity } from '../entities/policy-decision.entity';
import { PolicyVersionEntity } from '../entities/policy-version.entity';
import { PolicyEntity } from '../entities/policy.entity';
import type { PolicyProblem } from '../policy.errors';
import type { DryRunReport } from '../store/policy-lab.service';

export class PolicyDto {
  @ApiProperty({ example: 'subsidy' }) name!: string;
  @ApiProperty({ example: 'nanopod.subsidy' }) package!: string;
  @ApiProperty({ nullable: true, type: Number }) active_version!: number | null;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;

  static from(p: PolicyEntity): PolicyDto {
    return {
      name: p.name,
      package: p.package,
      active_version: p.activeVersion,
      updated_at: p.updatedAt.toISOString(),
    };
  }
}

export class PolicyListDto {
  @ApiProperty({ type: [PolicyDto] }) data!: PolicyDto[];
}

export class PolicyVersionDto {
  @ApiProperty() policy!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ enum: ['draft', 'active', 'archived'] }) status!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) author_id!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;

  static from(v: PolicyVersionEntity): PolicyVersionDto {
    return {
      policy: v.policyName,
      version: v.version,
      status: v.status,
      message: v.message,
      author_id: v.authorId,
      created_at: v.createdAt.toISOString(),
    };
  }
}

export class PolicyVersionListDto {
  @ApiProperty({ type: [PolicyVersionDto] }) data!: PolicyVersionDto[];
}

export class PolicyVersionSourceDto extends PolicyVersionDto {
  @ApiProperty() source!: string;
  @ApiProperty({ nullable: true, type: String }) tests!: string | null;

  static withSource(v: PolicyVersionEntity): PolicyVersionSourceDto {
    return { ...PolicyVersionDto.from(v), source: v.source, tests: v.tests };
  }
}

export class PolicyDetailDto extends PolicyDto {
  @ApiProperty({ type: PolicyVersionSourceDto, nullable: true })
  active!: PolicyVersionSourceDto | null;
}

export class PolicyVersionDetailDto extends PolicyVersionSourceDto {
  @ApiProperty({ nullable: true, type: Number }) active_version!: number | null;
  @ApiProperty({ description: 'Unified diff from the active version to this one ("" when equal)' })
  diff!: string;
}

export class PolicyProblemDto {
  @ApiProperty({ example: 'rego_parse_error' }) code!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ nullable: true, type: String, example: 'subsidy.rego' }) file!: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 12 }) row!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 5 }) col!: number | null;
}

export class ValidationResultDto {
  @ApiProperty() valid!: boolean;
  @ApiProperty({ type: [PolicyProblemDto] }) errors!: PolicyProblemDto[];

  static from(problems: PolicyProblem[]): ValidationResultDto {
    return { valid: problems.length === 0, errors: problems };
  }
}

export class RegoLocationDto {
  @ApiProperty({ example: 'subsidy_test.rego' }) file!: string;
  @ApiProperty() row!: number;
  @ApiProperty() col!: number;
}

export class TestResultDto {
  @ApiProperty({ example: 'nanopod.subsidy_test' }) package!: string;
  @ApiProperty({ example: 'test_free_for_high_reputation' }) name!: string;
  @ApiProperty() passed!: boolean;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty() duration_ms!: number;
  @ApiPropertyOptional({ nullable: true, type: RegoLocationDto })
  location!: RegoLocationDto | null;
}

export class TestRunDto {
  @ApiProperty() passed!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ type: [TestResultDto] }) results!: TestResultDto[];

  static from(results: TestResult[]): TestRunDto {
    return {
      passed: results.filter((r) => r.passed).length,
      failed: results.filter((r) => !r.passed).length,
      results: results.map((r) => ({
        package: r.package,
        name: r.name,
        passed: r.passed,
        error: r.error ?? null,
        duration_ms: Math.round(r.durationMs * 1000) / 1000,
        location: r.location ?? null,
      })),
    };
  }
}

export class SubsidyDecisionDto {
  @ApiProperty() allow!: boolean;
  @ApiProperty({ example: 'grant' }) tier!: string;
  @ApiProperty({ example: 0 }) rate_multiplier!: number;
  @ApiProperty({ example: 30 }) max_gpu_hours!: number;
  @ApiProperty({ type: [String] }) reasons!: string[];
}

export class DryRunEntryDto {
  @ApiProperty({ format: 'uuid' }) decision_id!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ nullable: true, type: String, description: 'whom the decision was about' })
  user_id!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'octocat' })
  github_login!: string | null;
  @ApiProperty({
    type: SubsidyDecisionDto,
    description: "the active policies' answer today",
  })
  before!: SubsidyDecisionDto;
  @ApiProperty({ type: SubsidyDecisionDto }) after!: SubsidyDecisionDto;
  @ApiProperty({ nullable: true, type: String }) after_error!: string | null;
  @ApiProperty({ description: 'allow changed' }) flipped!: boolean;
}

export class DryRunResultDto {
  @ApiProperty() policy!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ description: 'Logged decisions re-evaluated' }) evaluated!: number;
  @ApiProperty({ description: 'Decisions whose allow would change' }) flips!: number;
  @ApiProperty({ description: 'Decisions whose outcome would change in any field' })
  changed!: number;
  @ApiProperty({ type: [DryRunEntryDto] }) decisions!: DryRunEntryDto[];

  static from(policy: string, version: number, r: DryRunReport): DryRunResultDto {
    return {
      policy,
      version,
      evaluated: r.evaluated,
      flips: r.flips,
      changed: r.changed,
      decisions: r.entries.map((e) => ({
        decision_id: e.decisionId,
        created_at: e.createdAt.toISOString(),
        user_id: e.subject.userId,
        github_login: e.subject.githubLogin,
        before: e.before,
        after: e.after,
        after_error: e.afterError,
        flipped: e.flipped,
      })),
    };
  }
}

export class ActivationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() policy!: string;
  @ApiProperty({ enum: ['seed', 'activate', 'rollback'] }) kind!: string;
  @ApiProperty({ nullable: true, type: Number }) from_version!: number | null;
  @ApiProperty() to_version!: number;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) actor_id!: string | null;
  @ApiProperty() message!: string;
  @ApiProperty({ description: 'Unified diff from the previous active version' }) diff!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;

  static from(a: PolicyActivationEntity): ActivationDto {
    return {
      id: a.id,
      policy: a.policyName,
      kind: a.kind,
      from_version: a.fromVersion,
      to_version: a.toVersion,
      actor_id: a.actorId,
      message: a.message,
      diff: a.diff,
      created_at: a.createdAt.toISOString(),
    };
  }
}

export class ActivationListDto {
  @ApiProperty({ type: [ActivationDto] }) data!: ActivationDto[];
}

export class DecisionLogEntryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() policy!: string;
  @ApiProperty({ nullable: true, type: Number }) policy_version!: number | null;
  @ApiProperty({ nullable: true, type: String }) subject_user_id!: string | null;
  @ApiProperty({ type: Object }) input!: Record<string, unknown>;
  @ApiProperty({ type: SubsidyDecisionDto }) result!: SubsidyDecisionDto;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty() latency_us!: number;
  @ApiProperty({ format: 'date-time' }) created_at!: string;

  static from(d: PolicyDecisionEntity): DecisionLogEntryDto {
    return {
      id: d.id,
      policy: d.policyName,
      policy_version: d.policyVersion,
      subject_user_id: d.subjectUserId,
      input: d.input,
      result: d.result as unknown as SubsidyDecisionDto,
      error: d.error,
      latency_us: d.latencyUs,
      created_at: d.createdAt.toISOString(),
    };
  }
}

export class DecisionLogListDto {
  @ApiProperty({ type: [DecisionLogEntryDto] }) data!: DecisionLogEntryDto[];
}

export class DecideErrorDto {
  @ApiProperty({ example: 'eval_limit_error' }) code!: string;
  @ApiProperty() message!: string;
}

export class DecideResultDto {
  @ApiProperty({ type: SubsidyDecisionDto }) decision!: SubsidyDecisionDto;
  @ApiProperty({ nullable: true, type: DecideErrorDto }) error!: DecideErrorDto | null;
  @ApiProperty({ type: Object, example: { subsidy: 2, placement: 1, gateway: 1 } })
  versions!: Record<string, number>;
  @ApiProperty() latency_us!: number;
}
