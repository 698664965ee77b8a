import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ClusterBus, NANOPOD_CONFIG, NanopodConfig, Reconciler } from '@nanopod/common';
import { CompiledPolicy, RegoModuleSource } from '@nanopod/rego';
import { PolicyVersionEntity } from '../entities/policy-version.entity';
import { PolicyRepository } from '../repositories/policy.repository';
import { PolicySeeder } from '../store/policy-seeder.service';
import { compileModules, sourcePath } from './policy-compiler';

/** Published after every activation; the payload is `name:version`. */
export const POLICY_ACTIVATED_CHANNEL = 'nanopod_policy_activated';
/** The fallback when a notification is lost (e.g. while the bus reconnects). */
const VERSION_CHECK_MS = 5_000;
/** Compiled sets kept; a set is compiled once per combination of versions. */
const CACHE_SIZE = 16;

/** The set of policy versions evaluated together, compiled. */
export interface PolicySet {
  /** `name -> version` of every module in the set. */
  versions: Record<string, number>;
  compiled: CompiledPolicy;
}

export interface SetMember {
  name: string;
  version: number;
  source: string;
}

function keyOf(members: SetMember[]): string {
  return members
    .map((m) => `${m.name}@${m.version}`)
    .sort()
    .join(',');
}

/**
 * The active versions of every policy, compiled together, in this process. Every instance
 * keeps its own; an activation anywhere reaches it through the cluster bus, and a periodic
 * check of the active version numbers catches anything the bus missed.
 */
@Injectable()
export class ActivePolicyService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ActivePolicyService.name);
  private readonly cache = new Map<string, CompiledPolicy>();
  private active: PolicySet | null = null;
  private activeKey = '';
  // Every instance checks (no leader): each keeps its own compiled set.
  private readonly versionCheck = new Reconciler(
    { name: 'policy.version-check', intervalMs: VERSION_CHECK_MS },
    () => this.checkVersions(),
  );
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;

  private readonly allowNet: readonly string[];

  constructor(
    private readonly policies: PolicyRepository,
    private readonly seeder: PolicySeeder,
    private readonly bus: ClusterBus,
    @Inject(NANOPOD_CONFIG) config: NanopodConfig,
  ) {
    this.allowNet = config.policyAllowNet ?? [];
  }

  async onModuleInit(): Promise<void> {
    await this.seeder.seedMissing();
    await this.refresh();
    await this.bus.subscribe(POLICY_ACTIVATED_CHANNEL, () => void this.refresh());
    this.versionCheck.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.versionCheck.stop();
  }

  /** The active set, or null when nothing is active (or it failed to compile). */
  current(): PolicySet | null {
    return this.active;
  }

  /** Tells every instance (this one included) to reload the active versions. */
  async announce(name: string, version: number): Promise<void> {
    try {
      await this.bus.publish(POLICY_ACTIVATED_CHANNEL, `${name}:${version}`);
    } catch (err) {
      // The activation is committed; other instances pick it up at their next version check.
      this.logger.warn(
        { policy: name, version, err: (err as Error).message },
        'activation not broadcast',
      );
    }
    await this.refresh();
  }

  /** Reloads the active versions and compiles them when they changed. Calls coalesce. */
  async refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        try {
          await this.load();
        } catch (err) {
          this.logger.error({ err: (err as Error).message }, 'could not load active policies');
        }
      } while (this.refreshAgain);
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /**
   * The active set with one policy replaced by `version` (a draft under test or dry run).
   * Throws RegoCompileError when that combination does not compile.
   */
  async withVersion(
    version: PolicyVersionEntity,
    extra: RegoModuleSource[] = [],
  ): Promise<PolicySet> {
    const members = (await this.policies.activeVersions())
      .filter((v) => v.policyName !== version.policyName)
      .map((v) => ({ name: v.policyName, version: v.version, source: v.source }));
    members.push({ name: version.policyName, version: version.version, source: version.source });
    if (extra.length > 0) {
      // Tests are not cached: they are compiled for one run.
      return {
        versions: versionsOf(members),
        compiled: compileModules([...modulesOf(members), ...extra], this.allowNet),
      };
    }
    return this.compileSet(members);
  }

  /** Modules of the active versions except `name` (the context a candidate compiles in). */
  async activeModulesExcept(name: string): Promise<RegoModuleSource[]> {
    return (await this.policies.activeVersions())
      .filter((v) => v.policyName !== name)
      .map((v) => ({ path: sourcePath(v.policyName), source: v.source }));
  }

  private async checkVersions(): Promise<void> {
    try {
      const numbers = await this.policies.activeVersionNumbers();
      const key = [...numbers.entries()]
        .map(([n, v]) => `${n}@${v}`)
        .sort()
        .join(',');
      if (key !== this.activeKey) await this.refresh();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'policy version check failed');
    }
  }

  private async load(): Promise<void> {
    const members = (await this.policies.activeVersions()).map((v) => ({
      name: v.policyName,
      version: v.version,
      source: v.source,
    }));
    const key = keyOf(members);
    if (key === this.activeKey && this.active) return;
    if (members.length === 0) {
      this.active = null;
      this.activeKey = key;
      return;
    }
    try {
      this.active = this.compileSet(members);
      this.activeKey = key;
      this.logger.log({ versions: this.active.versions }, 'active policies loaded');
    } catch (err) {
      // Activation compiles first, so this means the engine changed under stored versions.
      // Decisions fail closed until an activation fixes it.
      this.active = null;
      this.activeKey = key;
      this.logger.error({ key, err: (err as Error).message }, 'active policies do not compile');
    }
  }

  private compileSet(members: SetMember[]): PolicySet {
    const key = keyOf(members);
    let compiled = this.cache.get(key);
    if (!compiled) {
      compiled = compileModules(modulesOf(members), this.allowNet);
      this.cache.set(key, compiled);
      if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
    }
    return { versions: versionsOf(members), compiled };
  }
}

function modulesOf(members: SetMember[]): RegoModuleSource[] {
  return members.map((m) => ({ path: sourcePath(m.name), source: m.source }));
}

function versionsOf(members: SetMember[]): Record<string, number> {
  return Object.fromEntries(members.map((m) => [m.name, m.version]));
}
