import { Injectable, Logger } from '@nestjs/common';
import { PolicyInputContributor, PolicySubject } from './subsidy.types';

@Injectable()
export class PolicyInputRegistry {
  private readonly logger = new Logger(PolicyInputRegistry.name);
  private readonly contributors = new Map<string, PolicyInputContributor>();

  register(contributor: PolicyInputContributor): void {
    this.contributors.set(contributor.key, contributor);
  }

  keys(): string[] {
    return [...this.contributors.keys()];
  }

  /** Every registered part, gathered in parallel; a failing part is `{status: 'unknown'}`. */
  async gather(subject: PolicySubject): Promise<Record<string, unknown>> {
    const entries = await Promise.all(
      [...this.contributors.values()].map(async (c) => {
        try {
          return [c.key, await c.contribute(subject)] as const;
        } catch (err) {
          this.logger.warn(
            { key: c.key, err: (err as Error).message },
            'policy input part unavailable',
          );
          return [c.key, { status: 'unknown', error: (err as Error).message }] as const;
        }
      }),
    );
    return Object.fromEntries(entries);
  }
}
