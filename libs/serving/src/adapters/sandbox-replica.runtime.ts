import { Injectable, Logger } from '@nestjs/common';
import { ConflictError } from '@nanopod/common';
import { Principal, principalOf, UsersService } from '@nanopod/identity';
import { SandboxesService, SandboxExecService } from '@nanopod/sandbox';
import { ServingErrorCodes } from '../serving.errors';
import type { LaunchedReplica, ReplicaLaunch, ReplicaRuntime } from '../ports/replica-runtime';

/**
 * A replica's sandbox and its `run` live this long at most (then it ends and the controller
 * replaces it). Bounded by the longest timer Node keeps (2^31 ms, ~24.8 days): the agent
 * channel's wait for the exec's end is one.
 */
const REPLICA_TTL_SECONDS = 20 * 86400;
const LOG_BYTES = 64 * 1024;

/**
 * Replicas as sandboxes on the node agents (`purpose: replica`): the same placement, admission
 * and containment (bwrap, cgroups, seccomp, its own netns with the egress deny list). The
 * replica's port is forwarded by the agent's pasta to a port on its node's loopback, which
 * only the platform (on that node) connects to: other sandboxes cannot reach the node's
 * loopback, and nothing listens on the node's other addresses.
 */
@Injectable()
export class SandboxReplicaRuntime implements ReplicaRuntime {
  private readonly logger = new Logger(SandboxReplicaRuntime.name);
  private readonly output = new Map<string, string>();

  constructor(
    private readonly sandboxes: SandboxesService,
    private readonly exec: SandboxExecService,
    private readonly users: UsersService,
  ) {}

  async provision(l: ReplicaLaunch): Promise<LaunchedReplica> {
    const principal = await this.principalOf(l.ownerId);
    const res = l.spec.resources;
    const sb = await this.sandboxes.create(principal, {
      runtime: 'bwrap',
      cpu: res.cpus,
      memoryMb: res.memory_mb,
      gpus: res.accelerators?.count ?? 0,
      gpuType: res.accelerators?.type ?? null,
      ttlSeconds: REPLICA_TTL_SECONDS,
      idleTimeoutSeconds: REPLICA_TTL_SECONDS,
      network: 'egress',
      env: {},
      workloadClass: 'latency_tolerant',
      purpose: 'replica',
      ports: [res.port],
      decision: { allow: true, reasons: [], ...l.subsidy },
      placement: {
        pack: !res.disable_packing,
        avoidNodeIds: res.disable_packing ? l.avoidNodeIds : [],
        avoidZones: l.avoidZones,
      },
    });
    const exposed = sb.exposedPorts?.find((p) => p.port === res.port);
    if (sb.state !== 'running' || !exposed) {
      if (sb.state === 'running') await this.stop(l.ownerId, sb.id);
      throw new ConflictError(ServingErrorCodes.replicaUnreachable, 'The replica did not start', {
        sandbox_state: sb.state,
        reason: sb.stateReason,
      });
    }
    return { sandboxId: sb.id, nodeId: sb.nodeId, host: exposed.host, hostPort: exposed.host_port };
  }

  async start(
    l: ReplicaLaunch,
    replica: LaunchedReplica,
    onExit: (reason: string) => void,
  ): Promise<void> {
    const principal = await this.principalOf(l.ownerId);
    const script = l.spec.setup ? `${l.spec.setup}\nexec ${l.spec.run}` : `exec ${l.spec.run}`;
    const run = await this.exec.prepare(principal, replica.sandboxId, {
      argv: ['/bin/sh', '-c', script],
      env: { ...l.spec.envs, PORT: String(l.spec.resources.port) },
      cwd: '/work',
      timeoutSeconds: REPLICA_TTL_SECONDS,
    });
    const id = replica.sandboxId;
    this.output.set(id, '');
    void run({
      output: (_stream, data) => {
        const all = (this.output.get(id) ?? '') + data;
        this.output.set(id, all.length > LOG_BYTES ? all.slice(-LOG_BYTES) : all);
      },
    }).then(
      (exit) => onExit(exit.reason ?? `exit ${exit.exit_code ?? exit.signal}`),
      (err: Error) => onExit(err.message),
    );
  }

  async stop(ownerId: string, sandboxId: string): Promise<void> {
    try {
      await this.sandboxes.remove(await this.principalOf(ownerId), sandboxId);
    } catch (err) {
      this.logger.warn({ sandboxId, err: (err as Error).message }, 'replica sandbox not removed');
    }
  }

  logs(sandboxId: string): string {
    return this.output.get(sandboxId) ?? '';
  }

  /** The owner as the sandbox context sees a caller (replicas act for their service's owner). */
  private async principalOf(ownerId: string): Promise<Principal> {
    return principalOf(await this.users.get(ownerId));
  }
}
