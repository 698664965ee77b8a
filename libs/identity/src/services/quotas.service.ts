import { Inject, Injectable, Logger } from '@nestjs/common';
import { NANOPOD_CONFIG, NanopodConfig, NotFoundError, UserQuotaLimits } from '@nanopod/common';
import type { EntityManager } from 'typeorm';
import { IdentityErrorCodes } from '../identity.errors';
import { QuotaOverride, UserQuotasRepository } from '../repositories/user-quotas.repository';

export interface UserQuota {
  limits: UserQuotaLimits;
  /** Which limits an admin set for this user (the rest are the configured defaults). */
  overridden: Array<keyof UserQuotaLimits>;
}

/**
 * Per-user limits across a user's active sandboxes: defaults from config (NANOPOD_QUOTA_*),
 * overrides by admins. Enforcement belongs to the sandbox context, which calls `lockAndGet`
 * inside the transaction that reserves capacity.
 */
@Injectable()
export class QuotasService {
  private readonly logger = new Logger(QuotasService.name);

  constructor(
    private readonly repo: UserQuotasRepository,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
  ) {}

  async forUser(userId: string, manager?: EntityManager): Promise<UserQuota> {
    return this.effective(await this.repo.find(userId, manager));
  }

  /**
   * Locks the user's row in `manager`'s transaction, then reads the quota: concurrent creates
   * by one user are admitted one at a time, each seeing what the previous one committed.
   */
  async lockAndGet(manager: EntityManager, userId: string): Promise<UserQuota> {
    if (!(await this.repo.lockUser(manager, userId))) {
      throw new NotFoundError(IdentityErrorCodes.userNotFound, 'No such user', { id: userId });
    }
    return this.forUser(userId, manager);
  }

  /** Admins only (the route checks); null clears one override back to the default. */
  async set(by: string, userId: string, patch: Partial<QuotaOverride>): Promise<UserQuota> {
    const current = await this.repo.find(userId);
    const next: QuotaOverride = {
      sandboxes: patch.sandboxes !== undefined ? patch.sandboxes : current.sandboxes,
      cpu: patch.cpu !== undefined ? patch.cpu : current.cpu,
      memoryMb: patch.memoryMb !== undefined ? patch.memoryMb : current.memoryMb,
      gpus: patch.gpus !== undefined ? patch.gpus : current.gpus,
    };
    await this.repo.upsert(userId, next, by);
    this.logger.log({ userId, by, quota: next }, 'user quota set');
    return this.effective(next);
  }

  private effective(o: QuotaOverride): UserQuota {
    const d = this.config.quotaDefaults;
    const overridden = (Object.keys(o) as Array<keyof QuotaOverride>).filter((k) => o[k] !== null);
    return {
      limits: {
        sandboxes: o.sandboxes ?? d.sandboxes,
        cpu: o.cpu ?? d.cpu,
        memoryMb: o.memoryMb ?? d.memoryMb,
        gpus: o.gpus ?? d.gpus,
      },
      overridden,
    };
  }
}
