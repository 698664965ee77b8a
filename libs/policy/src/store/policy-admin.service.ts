import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@nanopod/common';
import { createTwoFilesPatch } from 'diff';
import { PolicyActivationEntity, PolicyActivationKind } from '../entities/policy-activation.entity';
import { PolicyVersionEntity } from '../entities/policy-version.entity';
import { PolicyEntity } from '../entities/policy.entity';
import {
  NotARollbackTargetError,
  PolicyAlreadyActiveError,
  PolicyNotFoundError,
  PolicyTestsFailingError,
  PolicyVersionNotFoundError,
} from '../policy.errors';
import { PolicyRepository } from '../repositories/policy.repository';
import { ActivePolicyService } from '../runtime/active-policy.service';
import { sourcePath } from '../runtime/policy-compiler';
import { assertValid } from './policy-validation';
import { PolicyLabService } from './policy-lab.service';

/** Unified diff of two versions' sources (and tests, when they changed). '' when equal. */
export function diffVersions(
  name: string,
  from: Pick<PolicyVersionEntity, 'version' | 'source' | 'tests'> | null,
  to: Pick<PolicyVersionEntity, 'version' | 'source' | 'tests'>,
): string {
  const file = sourcePath(name);
  const label = (v: { version: number } | null) => (v ? `${file}@v${v.version}` : '/dev/null');
  let out =
    from?.source === to.source
      ? ''
      : createTwoFilesPatch(label(from), label(to), from?.source ?? '', to.source, '', '');
  if ((from?.tests ?? '') !== (to.tests ?? '')) {
    out += createTwoFilesPatch(
      `${name}_test.rego@v${from?.version ?? 0}`,
      `${name}_test.rego@v${to.version}`,
      from?.tests ?? '',
      to.tests ?? '',
      '',
      '',
    );
  }
  return out;
}

export interface PolicyActor {
  userId: string;
}

/** Policy versions: drafts, activation, rollback, history. Admin use cases. */
@Injectable()
export class PolicyAdminService {
  private readonly logger = new Logger(PolicyAdminService.name);

  constructor(
    private readonly policies: PolicyRepository,
    private readonly active: ActivePolicyService,
    private readonly lab: PolicyLabService,
    private readonly clock: Clock,
  ) {}

  list(): Promise<PolicyEntity[]> {
    return this.policies.listPolicies();
  }

  async get(name: string): Promise<{ policy: PolicyEntity; active: PolicyVersionEntity | null }> {
    const policy = await this.policy(name);
    const active =
      policy.activeVersion === null
        ? null
        : await this.policies.findVersion(name, policy.activeVersion);
    return { policy, active };
  }

  async versions(name: string): Promise<PolicyVersionEntity[]> {
    await this.policy(name);
    return this.policies.listVersions(name);
  }

  /** A version with the unified diff from the active version to it. */
  async version(
    name: string,
    version: number,
  ): Promise<{ version: PolicyVersionEntity; activeVersion: number | null; diff: string }> {
    const { active } = await this.get(name);
    const v = await this.versionOf(name, version);
    return {
      version: v,
      activeVersion: active?.version ?? null,
      diff: diffVersions(name, active, v),
    };
  }

  /**
   * Saves a draft after checking it compiles with the other active policies; on any problem
   * nothing is stored (422 policy.invalid). Tests default to the active version's.
   */
  async createDraft(
    name: string,
    body: { source: string; tests?: string | null; message?: string },
    actor: PolicyActor,
  ): Promise<PolicyVersionEntity> {
    const { policy, active } = await this.get(name);
    const tests = body.tests === undefined ? (active?.tests ?? null) : body.tests;
    const context = await this.active.activeModulesExcept(name);
    assertValid({ name, package: policy.package, source: body.source, tests }, context);
    const draft = await this.policies.createDraft(name, {
      source: body.source,
      tests,
      message: body.message ?? '',
      authorId: actor.userId,
      createdAt: this.clock.now(),
    });
    this.logger.log(
      { policy: name, version: draft.version, actor: actor.userId },
      'policy draft saved',
    );
    return draft;
  }

  /**
   * Makes a draft (or an archived version) active, after compiling it once more. Its own tests
   * run first: a version whose tests fail is refused unless `force` (the activation log then
   * says so).
   */
  async activate(
    name: string,
    version: number,
    message: string,
    actor: PolicyActor,
    force = false,
  ): Promise<PolicyActivationEntity> {
    const v = await this.versionOf(name, version);
    if (v.status === 'active') throw new PolicyAlreadyActiveError(name, version);
    const failed = (await this.lab.test(name, version)).filter((t) => !t.passed);
    if (failed.length && !force) {
      throw new PolicyTestsFailingError(
        name,
        version,
        failed.map((t) => ({ name: `${t.package}.${t.name}`, error: t.error ?? null })),
      );
    }
    if (failed.length)
      message = `${message}${message ? ' ' : ''}[forced: ${failed.length} test(s) failing]`;
    return this.switchTo(name, version, 'activate', message, actor);
  }

  /** Activates an earlier, once active (archived) version again, as a new audited activation. */
  async rollback(
    name: string,
    version: number,
    message: string,
    actor: PolicyActor,
  ): Promise<PolicyActivationEntity> {
    const v = await this.versionOf(name, version);
    if (v.status === 'active') throw new PolicyAlreadyActiveError(name, version);
    if (v.status !== 'archived') throw new NotARollbackTargetError(name, version, v.status);
    return this.switchTo(name, version, 'rollback', message, actor);
  }

  async log(name: string, limit: number): Promise<PolicyActivationEntity[]> {
    await this.policy(name);
    return this.policies.listActivations(name, limit);
  }

  private async switchTo(
    name: string,
    version: number,
    kind: PolicyActivationKind,
    message: string,
    actor: PolicyActor,
  ): Promise<PolicyActivationEntity> {
    const policy = await this.policy(name);
    const { activation } = await this.policies.activate(name, version, {
      kind,
      actorId: actor.userId,
      message,
      at: this.clock.now(),
      diff: (from, to) => diffVersions(name, from, to),
      // The other policies may have changed since the draft was saved: check against them now.
      check: (to, others) =>
        assertValid(
          { name, package: policy.package, source: to.source, tests: to.tests },
          others.map((o) => ({ path: sourcePath(o.policyName), source: o.source })),
        ),
    });
    this.logger.log(
      { policy: name, kind, from: activation.fromVersion, to: version, actor: actor.userId },
      'policy version activated',
    );
    await this.active.announce(name, version);
    return activation;
  }

  private async policy(name: string): Promise<PolicyEntity> {
    const p = await this.policies.findPolicy(name);
    if (!p) throw new PolicyNotFoundError(name);
    return p;
  }

  private async versionOf(name: string, version: number): Promise<PolicyVersionEntity> {
    await this.policy(name);
    const v = await this.policies.findVersion(name, version);
    if (!v) throw new PolicyVersionNotFoundError(name, version);
    return v;
  }
}
