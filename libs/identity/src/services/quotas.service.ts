import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Clock, ClusterBus, NANOPOD_CONFIG, NanopodConfig, UserQuotaLimits } from '@nanopod/common';
import { QuotaOverride, UserQuotasRepository } from '../repositories/user-quotas.repository';

export interface UserQuota {
  limits: UserQuotaLimits;
  /** Which limits an admin set for this user (the rest are the configured defaults). */
  overridden: Array<keyof UserQuotaLimits>;
}

const CHANGED_CHANNEL = 'nanopod_user_quota_changed';
/** Reads outside a transaction (who-am-I, the admin view) are served from memory this long. */
const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 10_000;

/**
 * Per-user limits across a user's active sandboxes: defaults from config (NANOPOD_QUOTA_*),
 * overrides by admins. Enforcement belongs to the sandbox context, which reads `forUser` inside
 * the transaction that reserves capacity (serialized per user by the wallet row lock).
 */
@Injectable()
export class QuotasService implements OnModuleInit {
  private readonly logger = new Logger(QuotasService.name);
  /**
   * Overrides by user: `GET /v1/me` and every sandbox create read the quota. A change evicts the
   * entry here at once and on every other instance through the bus, so a create racing an
   * admin's change by a moment gets the limit of a moment before, as if it had come earlier.
   */
  private readonly cache = new Map<string, { override: QuotaOverride; at: number }>();
  /** Bumped by every eviction: a read that started before one does not fill the cache. */
  private evictions = 0;

  constructor(
    private readonly repo: UserQuotasRepository,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
    private readonly bus: ClusterBus,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe(CHANGED_CHANNEL, (userId) => this.evict(userId));
  }

  async forUser(userId: string): Promise<UserQuota> {
    const now = this.clock.nowMs();
    const hit = this.cache.get(userId);
    if (hit && now - hit.at <= CACHE_TTL_MS) return this.effective(hit.override);
    const evictions = this.evictions;
    const override = await this.repo.find(userId);
    if (evictions === this.evictions) {
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(userId, { override, at: now });
    }
    return this.effective(override);
  }

  private evict(userId: string): void {
    this.evictions++;
    this.cache.delete(userId);
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
    this.evict(userId);
    await this.bus.publish(CHANGED_CHANNEL, userId);
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
