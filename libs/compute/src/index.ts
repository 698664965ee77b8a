export * from './core';
export { ComputeModule } from './compute.module';
export { ComputeErrorCodes } from './compute.errors';
export { CatalogService } from './services/catalog.service';
export { DeploymentsService, DeploymentView } from './services/deployments.service';
export { ProcurementsService, ProcurementStatusView } from './services/procurements.service';
export { DeploymentReconciler, NOTICE_GRACE_MS } from './services/deployment.reconciler';
export { ProcurementReconciler } from './services/procurement.reconciler';
export { ZonesService, Zone } from './services/zones.service';
export {
  CapacityDto,
  NodeTemplateDto,
  DeploymentDto,
  ProcurementDto,
  ZoneDto,
} from './dto/compute.dto';

import { ComputeInit1796290100000 } from './migrations/1796290100000-compute-init';
import { DeploymentSubsidy1796310000000 } from './migrations/1796310000000-deployment-subsidy';
/** This context's migrations, in order. */
export const computeMigrations = [ComputeInit1796290100000, DeploymentSubsidy1796310000000];
