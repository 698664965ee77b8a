import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock, NANOPOD_CONFIG, NanopodConfig } from '@nanopod/common';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PolicyRepository } from '../repositories/policy.repository';
import { checkModules, packageOf, sourcePath, testsPath } from '../runtime/policy-compiler';

interface ShippedPolicy {
  name: string;
  package: string;
  source: string;
  tests: string | null;
}

/**
 * Seeds the shipped Rego in `policies/` (NANOPOD_POLICIES_DIR) as version 1 of each policy
 * that the database does not have yet: `NAME.rego` is the policy, `NAME_test.rego` its tests.
 * Later edits live in the database only; the files are not read again for a known policy.
 */
@Injectable()
export class PolicySeeder {
  private readonly logger = new Logger(PolicySeeder.name);

  constructor(
    private readonly policies: PolicyRepository,
    private readonly clock: Clock,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
  ) {}

  async seedMissing(): Promise<void> {
    const shipped = this.readShipped();
    if (shipped.length === 0) return;
    const known = new Set((await this.policies.listPolicies()).map((p) => p.name));
    const missing = shipped.filter((p) => !known.has(p.name));
    if (missing.length === 0) return;
    // Seeded together with what is already active, so an import between them resolves.
    const modules = [
      ...shipped.map((p) => ({ path: sourcePath(p.name), source: p.source })),
      ...shipped
        .filter((p) => p.tests !== null)
        .map((p) => ({ path: testsPath(p.name), source: p.tests as string })),
    ];
    const problems = checkModules(modules);
    const valid = problems.length === 0;
    if (!valid) {
      // An invalid policy never becomes active: seed it as a draft for an admin to fix.
      this.logger.error({ problems }, 'shipped policies do not compile; seeded as drafts');
    }
    const at = this.clock.now();
    for (const p of missing) {
      if (await this.policies.seed({ ...p, active: valid }, at)) {
        this.logger.log({ policy: p.name, package: p.package }, 'seeded policy version 1');
      }
    }
  }

  private readShipped(): ShippedPolicy[] {
    const dir = this.config.policiesDir;
    if (!existsSync(dir)) {
      this.logger.warn({ dir }, 'policies directory not found; nothing to seed');
      return [];
    }
    const out: ShippedPolicy[] = [];
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith('.rego') || file.endsWith('_test.rego')) continue;
      const name = file.slice(0, -'.rego'.length);
      if (!/^[a-z][a-z0-9_]*$/.test(name)) continue;
      const source = readFileSync(path.join(dir, file), 'utf8');
      const pkg = packageOf(source);
      if (!pkg) {
        this.logger.error({ file }, 'shipped policy has no package; not seeded');
        continue;
      }
      const testFile = path.join(dir, testsPath(name));
      const tests = existsSync(testFile) ? readFileSync(testFile, 'utf8') : null;
      out.push({ name, package: pkg, source, tests });
    }
    return out;
  }
}
