/**
 * SkyServe's statuses, word for word, and the moves between them as tables. A replica that is
 * gone (SHUTDOWN after SHUTTING_DOWN, PREEMPTED, FAILED_*) is kept as a row: ids only grow.
 */
export const REPLICA_STATUSES = [
  'PENDING',
  'PROVISIONING',
  'STARTING',
  'READY',
  'NOT_READY',
  'SHUTTING_DOWN',
  'SHUTDOWN',
  'PREEMPTED',
  'FAILED',
  'FAILED_INITIAL_DELAY',
  'FAILED_PROBING',
  'FAILED_PROVISION',
  'FAILED_CLEANUP',
  'UNKNOWN',
] as const;
export type ReplicaStatus = (typeof REPLICA_STATUSES)[number];

export const SERVICE_STATUSES = [
  'CONTROLLER_INIT',
  'REPLICA_INIT',
  'CONTROLLER_FAILED',
  'READY',
  'SHUTTING_DOWN',
  'SHUTDOWN',
  'FAILED',
  'FAILED_CLEANUP',
  'NO_REPLICA',
] as const;
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

const FAILED: ReplicaStatus[] = [
  'FAILED',
  'FAILED_INITIAL_DELAY',
  'FAILED_PROBING',
  'FAILED_PROVISION',
  'FAILED_CLEANUP',
];

/** Every move a replica may make. Terminal: SHUTDOWN, PREEMPTED and the FAILED_* family. */
export const REPLICA_TRANSITIONS: Readonly<Record<ReplicaStatus, readonly ReplicaStatus[]>> = {
  PENDING: ['PROVISIONING', 'SHUTTING_DOWN', 'FAILED_PROVISION'],
  PROVISIONING: ['STARTING', 'SHUTTING_DOWN', 'FAILED_PROVISION', 'PREEMPTED', 'FAILED'],
  STARTING: ['READY', 'SHUTTING_DOWN', 'FAILED_INITIAL_DELAY', 'PREEMPTED', 'FAILED'],
  READY: ['NOT_READY', 'SHUTTING_DOWN', 'PREEMPTED', 'FAILED', 'UNKNOWN'],
  NOT_READY: ['READY', 'SHUTTING_DOWN', 'FAILED_PROBING', 'PREEMPTED', 'FAILED', 'UNKNOWN'],
  UNKNOWN: ['READY', 'NOT_READY', 'SHUTTING_DOWN', 'PREEMPTED', 'FAILED'],
  SHUTTING_DOWN: ['SHUTDOWN', 'FAILED_CLEANUP', 'PREEMPTED'],
  SHUTDOWN: [],
  PREEMPTED: [],
  FAILED: [],
  FAILED_INITIAL_DELAY: [],
  FAILED_PROBING: [],
  FAILED_PROVISION: [],
  FAILED_CLEANUP: [],
};

export function canReplicaMove(from: ReplicaStatus, to: ReplicaStatus): boolean {
  return from === to || REPLICA_TRANSITIONS[from].includes(to);
}

export const isReplicaFailed = (s: ReplicaStatus): boolean => FAILED.includes(s);
/** Still counted by the service: not terminal and not on its way out. */
export const isReplicaAlive = (s: ReplicaStatus): boolean =>
  !['SHUTTING_DOWN', 'SHUTDOWN', 'PREEMPTED'].includes(s) && !isReplicaFailed(s);
export const isReplicaTerminal = (s: ReplicaStatus): boolean => REPLICA_TRANSITIONS[s].length === 0;

/** Scale-down order (SkyServe): the least useful replica goes first. */
export const SCALE_DOWN_ORDER: readonly ReplicaStatus[] = [
  'PENDING',
  'PROVISIONING',
  'STARTING',
  'UNKNOWN',
  'NOT_READY',
  'READY',
];

export const SERVICE_TRANSITIONS: Readonly<Record<ServiceStatus, readonly ServiceStatus[]>> = {
  CONTROLLER_INIT: [
    'REPLICA_INIT',
    'READY',
    'NO_REPLICA',
    'FAILED',
    'SHUTTING_DOWN',
    'CONTROLLER_FAILED',
  ],
  REPLICA_INIT: ['READY', 'NO_REPLICA', 'FAILED', 'SHUTTING_DOWN'],
  READY: ['REPLICA_INIT', 'NO_REPLICA', 'FAILED', 'SHUTTING_DOWN'],
  NO_REPLICA: ['REPLICA_INIT', 'READY', 'FAILED', 'SHUTTING_DOWN'],
  FAILED: ['REPLICA_INIT', 'READY', 'NO_REPLICA', 'SHUTTING_DOWN'],
  CONTROLLER_FAILED: ['SHUTTING_DOWN'],
  SHUTTING_DOWN: ['SHUTDOWN', 'FAILED_CLEANUP'],
  SHUTDOWN: [],
  FAILED_CLEANUP: ['SHUTTING_DOWN'],
};

export function canServiceMove(from: ServiceStatus, to: ServiceStatus): boolean {
  return from === to || SERVICE_TRANSITIONS[from].includes(to);
}

/**
 * The service status from its replicas (SkyServe's rule, as its walkthrough shows it): any
 * replica READY → READY; none alive and one failed → FAILED; none alive → NO_REPLICA; replicas
 * still being provisioned (PENDING, PROVISIONING) → NO_REPLICA (the seed's `0/4`); replicas
 * running their `run` but not yet READY → REPLICA_INIT.
 */
export function serviceStatusOf(replicas: Array<{ status: ReplicaStatus }>): ServiceStatus {
  if (replicas.some((r) => r.status === 'READY')) return 'READY';
  const alive = replicas.filter((r) => isReplicaAlive(r.status));
  if (!alive.length && replicas.some((r) => isReplicaFailed(r.status))) return 'FAILED';
  if (alive.some((r) => ['STARTING', 'NOT_READY', 'UNKNOWN'].includes(r.status))) {
    return 'REPLICA_INIT';
  }
  return 'NO_REPLICA';
}
