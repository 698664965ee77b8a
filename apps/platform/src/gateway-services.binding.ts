import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { GatewayServiceRegistry } from '@nanopod/gateway';
import { LoadBalancer, ServingService } from '@nanopod/serving';

/**
 * Serving sits below the gateway in the dependency order, so the app (on top of both) gives the
 * gateway serving's services: each live service becomes an APISIX route and upstream with its
 * READY replicas, and a change of those asks for a sync at once instead of at the next tick.
 */
@Injectable()
export class GatewayServicesBinding implements OnModuleInit, OnApplicationShutdown {
  private readonly unbind: Array<() => void> = [];

  constructor(
    private readonly registry: GatewayServiceRegistry,
    private readonly serving: ServingService,
    private readonly balancer: LoadBalancer,
  ) {}

  onModuleInit(): void {
    this.unbind.push(
      this.registry.register({
        listServices: async () =>
          (await this.serving.published()).map((s) => ({
            id: s.id,
            name: s.name,
            nodes: s.nodes,
            readinessPath: s.readinessPath,
          })),
      }),
      this.balancer.onReadyChange(() => this.registry.changed()),
    );
  }

  onApplicationShutdown(): void {
    for (const undo of this.unbind.splice(0)) undo();
  }
}
