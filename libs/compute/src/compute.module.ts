import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseCoreModule } from '@nanopod/common';
import { FederationModule } from '@nanopod/federation';
import { IdentityModule } from '@nanopod/identity';
import { MarketModule } from '@nanopod/market';
import { PolicyModule } from '@nanopod/policy';
import { CapacitiesController, NodeTemplatesController } from './controllers/capacities.controller';
import { DeploymentsController } from './controllers/deployments.controller';
import { ProcurementsController } from './controllers/procurements.controller';
import { ZonesController } from './controllers/zones.controller';
import { CapacityEntity } from './entities/capacity.entity';
import { DeploymentEntity, DeploymentNodeEntity } from './entities/deployment.entity';
import { NodeTemplateEntity } from './entities/node-template.entity';
import { ProcurementEntity } from './entities/procurement.entity';
import { CapacitiesRepository } from './repositories/capacities.repository';
import { DeploymentsRepository } from './repositories/deployments.repository';
import { ProcurementsRepository } from './repositories/procurements.repository';
import { CatalogService } from './services/catalog.service';
import { DeploymentPlacement } from './services/deployment-placement.service';
import { DeploymentReconciler } from './services/deployment.reconciler';
import { DeploymentsService } from './services/deployments.service';
import { ProcurementReconciler } from './services/procurement.reconciler';
import { ProcurementsService } from './services/procurements.service';
import { ZonesService } from './services/zones.service';

/**
 * Zones, capacities, node templates, deployments and their nodes, procurements. Buys and
 * sells compute time through the market's public service (orders carry the capacity's id);
 * reads nodes through federation's.
 */
@Module({
  imports: [
    DatabaseCoreModule,
    IdentityModule,
    FederationModule,
    MarketModule,
    PolicyModule,
    TypeOrmModule.forFeature([
      CapacityEntity,
      NodeTemplateEntity,
      DeploymentEntity,
      DeploymentNodeEntity,
      ProcurementEntity,
    ]),
  ],
  controllers: [
    ZonesController,
    CapacitiesController,
    NodeTemplatesController,
    DeploymentsController,
    ProcurementsController,
  ],
  providers: [
    CapacitiesRepository,
    DeploymentsRepository,
    ProcurementsRepository,
    CatalogService,
    ZonesService,
    DeploymentsService,
    ProcurementsService,
    DeploymentPlacement,
    DeploymentReconciler,
    ProcurementReconciler,
  ],
  exports: [
    CatalogService,
    DeploymentsService,
    ProcurementsService,
    DeploymentReconciler,
    ProcurementReconciler,
  ],
})
export class ComputeModule {}
