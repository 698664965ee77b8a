import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseCoreModule } from '@nanopod/common';
import { BillingModule } from '@nanopod/billing';
import { FederationModule } from '@nanopod/federation';
import { MarketModule } from '@nanopod/market';
import { IdentityModule } from '@nanopod/identity';
import { PolicyModule } from '@nanopod/policy';
import { SandboxModule } from '@nanopod/sandbox';
import { SandboxReplicaRuntime } from './adapters/sandbox-replica.runtime';
import { ServicesController } from './controllers/services.controller';
import { ReplicaEntity } from './entities/replica.entity';
import { ServiceEntity } from './entities/service.entity';
import { ServingProxyRegistrar } from './http/proxy.registrar';
import { REPLICA_RUNTIME } from './ports/replica-runtime';
import { ServicesRepository } from './repositories/services.repository';
import { LoadBalancer } from './services/load-balancer.service';
import { ServingSubsidy } from './services/serving-subsidy.service';
import { ReplicaManager } from './services/replica-manager.service';
import { ServingProxy } from './services/serving-proxy.service';
import { ServingReconciler } from './services/serving.reconciler';
import { ServingService } from './services/serving.service';
import { SpotInterruptions } from './services/spot-interruptions.service';
import { SpotMarket } from './services/spot-market.service';

/**
 * Services (SkyServe's shape) on Nanopod's nodes: replicas run as sandboxes through the node
 * agents, the load balancer at `/s/{service}/`, the controller loop with the autoscaler.
 */
@Module({
  imports: [
    DatabaseCoreModule,
    IdentityModule,
    PolicyModule,
    BillingModule,
    FederationModule,
    MarketModule,
    SandboxModule,
    TypeOrmModule.forFeature([ServiceEntity, ReplicaEntity]),
  ],
  controllers: [ServicesController],
  providers: [
    ServicesRepository,
    LoadBalancer,
    ReplicaManager,
    ServingSubsidy,
    ServingReconciler,
    ServingService,
    ServingProxy,
    ServingProxyRegistrar,
    SpotMarket,
    SpotInterruptions,
    SandboxReplicaRuntime,
    { provide: REPLICA_RUNTIME, useExisting: SandboxReplicaRuntime },
  ],
  exports: [ServingService, ServingReconciler, LoadBalancer, SpotInterruptions],
})
export class ServingModule {}
