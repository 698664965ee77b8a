import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { Clock, LeaderLock, NANOPOD_CONFIG, NanopodConfig, Reconciler } from '@nanopod/common';
import { GatewayConfig, MANAGED_RESOURCES } from '../core/apisix-config';
import { buildDesiredConfig } from '../core/desired-config';
import { ActualState, planSync, SyncOp } from '../core/drift';
import { APISIX_ADMIN, ApisixAdmin } from '../ports/apisix-admin.port';
import { GatewayServiceRegistry } from '../ports/gateway-service-source';
import { RateTiersService } from './rate-tiers.service';

export interface SyncReport {
  /** The Admin API calls made (empty: APISIX already held the desired state). */
  applied: SyncOp[];
  at: Date;
}

/**
 * Keeps APISIX equal to what the platform wants: one leader (advisory lock) compares APISIX's
 * routes, upstreams and global rules with the desired config each tick and repairs the
 * difference (objects someone changed or deleted by hand come back; ours that are no longer
 * wanted go; objects without our label are left alone). A change on the platform side (a
 * service's replicas, a policy activation) asks for a pass at once through `requestSync()`.
 */
@Injectable()
export class GatewaySyncService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(GatewaySyncService.name);
  readonly loop: Reconciler;
  private lastReport: SyncReport | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly registry: GatewayServiceRegistry,
    private readonly tiers: RateTiersService,
    private readonly clock: Clock,
    leader: LeaderLock,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
    @Optional() @Inject(APISIX_ADMIN) private readonly admin: ApisixAdmin | null,
  ) {
    this.loop = new Reconciler(
      {
        name: 'gateway.apisix-sync',
        intervalMs: config.gateway.syncIntervalMs,
        leader,
        runOnStart: true,
        clock,
        failureMessage: 'APISIX sync failed',
      },
      () => this.syncOnce(),
    );
  }

  onApplicationBootstrap(): void {
    if (!this.admin) return;
    this.unsubscribe = this.registry.onChange(() => this.requestSync());
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await this.loop.stop();
  }

  get enabled(): boolean {
    return !!this.admin;
  }

  /** A pass now (coalesced with one in flight); failures are logged by the loop. */
  requestSync(): void {
    if (this.admin) void this.loop.runNow();
  }

  last(): SyncReport | null {
    return this.lastReport;
  }

  /** What APISIX should hold now. */
  async desired(): Promise<GatewayConfig> {
    return buildDesiredConfig({
      platformNodes: this.config.gateway.platformNodes,
      authUrl: this.config.gateway.authUrl,
      tiers: this.tiers.tiers(),
      anonymousTier: this.tiers.anonymousTier(),
      services: await this.registry.listServices(),
    });
  }

  /** Reads APISIX, applies the difference; returns what it did. Throws when APISIX refuses. */
  async syncOnce(): Promise<SyncReport> {
    if (!this.admin) throw new Error('no APISIX Admin API configured');
    const admin = this.admin;
    const desired = await this.desired();
    const actual = {} as ActualState;
    for (const r of MANAGED_RESOURCES) actual[r] = await admin.list(r);
    const ops = planSync(desired, actual);
    for (const op of ops) {
      if (op.kind === 'put') await admin.put(op.resource, op.id, op.body);
      else await admin.delete(op.resource, op.id);
    }
    if (ops.length > 0) {
      this.logger.log(
        { changes: ops.map((o) => `${o.kind} ${o.resource}/${o.id}`) },
        'APISIX brought in line',
      );
    }
    this.lastReport = { applied: ops, at: this.clock.now() };
    return this.lastReport;
  }
}
