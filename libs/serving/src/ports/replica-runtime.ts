import type { Pricing } from '../core/autoscaler';
import type { ServiceSpec } from '../core/service-spec';
import type { ServiceSubsidy } from '../entities/service.entity';

export interface ReplicaLaunch {
  serviceId: string;
  serviceName: string;
  replicaId: number;
  ownerId: string;
  spec: ServiceSpec;
  pricing: Pricing;
  subsidy: ServiceSubsidy;
  /**
   * Nodes already running a live replica of this service: kept off with `disable_packing`
   * (one replica per node); otherwise replicas are bin-packed (the fullest node that fits).
   */
  avoidNodeIds: string[];
  /** Zones where the spot price is above the service's limit (spot replicas keep out). */
  avoidZones: string[];
}

/** A replica whose `run` has been started: where its port is reached. */
export interface LaunchedReplica {
  sandboxId: string;
  nodeId: string | null;
  host: string;
  hostPort: number;
}

/**
 * Where replicas run. The platform binds the node agent's (a sandbox per replica, contained as
 * sandboxes are, its port forwarded to the node's loopback); `launch` resolves once `run` is
 * started, `onExit` is called when it ends by itself (a crash, the node lost).
 */
export interface ReplicaRuntime {
  provision(launch: ReplicaLaunch): Promise<Omit<LaunchedReplica, never>>;
  start(
    launch: ReplicaLaunch,
    replica: LaunchedReplica,
    onExit: (reason: string) => void,
  ): Promise<void>;
  stop(ownerId: string, sandboxId: string): Promise<void>;
  /** The replica's recent output (setup and run), oldest first. */
  logs(sandboxId: string): string;
}

export const REPLICA_RUNTIME = Symbol('REPLICA_RUNTIME');
