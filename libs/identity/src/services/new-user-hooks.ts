import { Injectable, Logger } from '@nestjs/common';
import { loggableError } from '@nanopod/common';

export type NewUserHook = (userId: string) => Promise<void>;

/**
 * What higher contexts do when a user is created or signs in (billing's welcome credit), so
 * that reading something never has to write it. Hooks are idempotent; a failing hook is
 * logged and does not fail the sign-in (the grant is retried at the next one, and billing
 * also makes sure of it before the first charge).
 */
@Injectable()
export class NewUserHooks {
  private readonly logger = new Logger(NewUserHooks.name);
  private readonly hooks: NewUserHook[] = [];

  register(hook: NewUserHook): void {
    this.hooks.push(hook);
  }

  async run(userId: string): Promise<void> {
    for (const hook of this.hooks) {
      try {
        await hook(userId);
      } catch (err) {
        this.logger.warn({ userId, err: loggableError(err) }, 'new user hook failed');
      }
    }
  }
}
