export { ServingModule } from './serving.module';
export { ServingErrorCodes } from './serving.errors';
export { PublishedService, ServingService, ServiceView } from './services/serving.service';
export { ServingReconciler } from './services/serving.reconciler';
export { SpotInterruptions } from './services/spot-interruptions.service';
export { LoadBalancer } from './services/load-balancer.service';
export { parseServiceSpec, ServiceSpec, ReplicaPolicy, ReadinessProbe } from './core/service-spec';
export { nextTarget, planReplicas, ScalerState, ReplicaPlan, Pricing } from './core/autoscaler';
export {
  REPLICA_STATUSES,
  SERVICE_STATUSES,
  REPLICA_TRANSITIONS,
  SERVICE_TRANSITIONS,
  ReplicaStatus,
  ServiceStatus,
  serviceStatusOf,
  canReplicaMove,
} from './core/states';
export { ServiceDto, ReplicaDto } from './dto/serving.dto';
export { REPLICA_RUNTIME, ReplicaRuntime } from './ports/replica-runtime';

import { ServingInit1796300000000 } from './migrations/1796300000000-serving-init';
/** This context's migrations, in order. */
export const servingMigrations = [ServingInit1796300000000];
