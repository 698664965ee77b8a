import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { PolicyActivationEntity, PolicyActivationKind } from '../entities/policy-activation.entity';
import { PolicyVersionEntity } from '../entities/policy-version.entity';
import { PolicyEntity } from '../entities/policy.entity';

export interface NewVersion {
  source: string;
  tests: string | null;
  message: string;
  authorId: string | null;
  createdAt: Date;
}

export interface ActivationRequest {
  kind: PolicyActivationKind;
  actorId: string | null;
  message: string;
  at: Date;
  /** Computes the audit's diff text from the outgoing and incoming versions. */
  diff: (from: PolicyVersionEntity | null, to: PolicyVersionEntity) => string;
  /**
   * Last check inside the transaction, with the policy row locked and the other policies'
   * active versions as they are now ("this compiles with them"); throw to change nothing.
   */
  check: (to: PolicyVersionEntity, otherActive: PolicyVersionEntity[]) => void;
}

export interface SeedPolicy {
  name: string;
  package: string;
  source: string;
  tests: string | null;
  active: boolean;
}

/** Policies, their versions and the activation audit. */
@Injectable()
export class PolicyRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  listPolicies(): Promise<PolicyEntity[]> {
    return this.db.getRepository(PolicyEntity).find({ order: { name: 'ASC' } });
  }

  findPolicy(name: string): Promise<PolicyEntity | null> {
    return this.db.getRepository(PolicyEntity).findOneBy({ name });
  }

  listVersions(name: string): Promise<PolicyVersionEntity[]> {
    return this.db
      .getRepository(PolicyVersionEntity)
      .find({ where: { policyName: name }, order: { version: 'DESC' } });
  }

  findVersion(name: string, version: number): Promise<PolicyVersionEntity | null> {
    return this.db.getRepository(PolicyVersionEntity).findOneBy({ policyName: name, version });
  }

  /** The active version of every policy. */
  activeVersions(): Promise<PolicyVersionEntity[]> {
    return this.db
      .getRepository(PolicyVersionEntity)
      .find({ where: { status: 'active' }, order: { policyName: 'ASC' } });
  }

  /** `name -> active version`, the cheap query of the periodic check. */
  async activeVersionNumbers(): Promise<Map<string, number>> {
    const rows = await this.db.getRepository(PolicyEntity).find();
    return new Map(
      rows.filter((r) => r.activeVersion !== null).map((r) => [r.name, r.activeVersion as number]),
    );
  }

  listActivations(name: string, limit: number): Promise<PolicyActivationEntity[]> {
    return this.db.getRepository(PolicyActivationEntity).find({
      where: { policyName: name },
      order: { createdAt: 'DESC', toVersion: 'DESC' },
      take: limit,
    });
  }

  /** A new draft with the next version number (numbers are taken under the policy row's lock). */
  async createDraft(name: string, v: NewVersion): Promise<PolicyVersionEntity> {
    return this.db.transaction(async (m) => {
      await this.lockPolicy(m, name);
      const [{ max }] = (await m.query(
        'SELECT COALESCE(MAX(version), 0)::int AS max FROM policy_versions WHERE policy_name = $1',
        [name],
      )) as { max: number }[];
      return m.getRepository(PolicyVersionEntity).save(
        m.getRepository(PolicyVersionEntity).create({
          policyName: name,
          version: max + 1,
          status: 'draft',
          source: v.source,
          tests: v.tests,
          message: v.message,
          authorId: v.authorId,
          createdAt: v.createdAt,
        }),
      );
    });
  }

  /**
   * Makes `version` the active one: the previous active becomes archived, the policy row points
   * at the new one, and the audit gets a row. All or nothing, serialized per policy.
   */
  async activate(
    name: string,
    version: number,
    req: ActivationRequest,
  ): Promise<{
    from: PolicyVersionEntity | null;
    to: PolicyVersionEntity;
    activation: PolicyActivationEntity;
  }> {
    return this.db.transaction(async (m) => {
      await this.lockPolicy(m, name);
      const versions = m.getRepository(PolicyVersionEntity);
      const to = await versions.findOneByOrFail({ policyName: name, version });
      const from = await versions.findOneBy({ policyName: name, status: 'active' });
      const others = (await versions.find({ where: { status: 'active' } })).filter(
        (v) => v.policyName !== name,
      );
      req.check(to, others);
      if (from) await versions.update({ id: from.id }, { status: 'archived' });
      await versions.update({ id: to.id }, { status: 'active' });
      to.status = 'active';
      await m
        .getRepository(PolicyEntity)
        .update({ name }, { activeVersion: version, updatedAt: req.at });
      const activation = await m.getRepository(PolicyActivationEntity).save(
        m.getRepository(PolicyActivationEntity).create({
          policyName: name,
          kind: req.kind,
          fromVersion: from?.version ?? null,
          toVersion: version,
          actorId: req.actorId,
          message: req.message,
          diff: req.diff(from, to),
          createdAt: req.at,
        }),
      );
      return { from, to, activation };
    });
  }

  /**
   * Seeds a policy as version 1 when it does not exist yet. Safe when several instances start
   * at once: the first insert wins, the others see the conflict and do nothing.
   */
  async seed(p: SeedPolicy, at: Date): Promise<boolean> {
    return this.db.transaction(async (m) => {
      const inserted = (await m.query(
        `INSERT INTO policies (name, package, active_version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $4) ON CONFLICT (name) DO NOTHING RETURNING name`,
        [p.name, p.package, p.active ? 1 : null, at],
      )) as unknown[];
      if (inserted.length === 0) return false;
      await m.query(
        `INSERT INTO policy_versions (policy_name, version, status, source, tests, author_id, message, created_at)
         VALUES ($1, 1, $2, $3, $4, NULL, $5, $6)`,
        [
          p.name,
          p.active ? 'active' : 'draft',
          p.source,
          p.tests,
          'shipped policy (policies/)',
          at,
        ],
      );
      if (p.active) {
        await m.query(
          `INSERT INTO policy_activations (policy_name, kind, from_version, to_version, actor_id, message, diff, created_at)
           VALUES ($1, 'seed', NULL, 1, NULL, $2, '', $3)`,
          [p.name, 'seeded from policies/', at],
        );
      }
      return true;
    });
  }

  private async lockPolicy(m: EntityManager, name: string): Promise<void> {
    await m.query('SELECT name FROM policies WHERE name = $1 FOR UPDATE', [name]);
  }
}
