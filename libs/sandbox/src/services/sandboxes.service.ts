import { Injectable, Logger } from '@nestjs/common';
import { Clock, ConflictError, isUuid, NotFoundError, PolicyDeniedError } from '@nanopod/common';
import { CostEstimator, MICRO_PER_CREDIT } from '@nanopod/billing';
import {
  ExposedPort,
  NodeChannelRegistry,
  NodeEntity,
  NodesService,
  SandboxSpec,
} from '@nanopod/federation';
import { isAdmin, Principal } from '@nanopod/identity';
import { DecidedSubsidy, SubsidyDecider } from '@nanopod/policy';
import { randomUUID } from 'node:crypto';
import { SandboxEntity, SandboxPurpose, SandboxState } from '../entities/sandbox.entity';
import { generateSandboxName } from '../names/sandbox-name';
import { SandboxesRepository } from '../repositories/sandboxes.repository';
import { SandboxErrorCodes } from '../sandbox.errors';
import { SandboxAdmission } from './sandbox-admission.service';
import { SandboxEnv } from './sandbox-env.service';
import { noRoomReason, SandboxPlacement } from './sandbox-placement.service';
import { CreateSandboxRequest, withSandboxDefaults } from '../sandbox-defaults';
import { SandboxTransitions } from './sandbox-transitions.service';

export interface CreateSandboxInput {
  /** Unique among the owner's live sandboxes; absent: a generated one (`brave-otter-3f2a`). */
  name?: string;
  runtime: SandboxEntity['runtime'];
  cpu: number;
  memoryMb: number;
  gpus: number;
  gpuType: string | null;
  ttlSeconds: number;
  idleTimeoutSeconds: number;
  network: 'none' | 'egress';
  env: Record<string, string>;
  workloadClass: SandboxEntity['workloadClass'];
  /** `replica`: a serving replica (serving decides the subsidy and meters it). */
  purpose?: SandboxPurpose;
  /** Ports inside to forward to the node's loopback (needs `network: 'egress'`). */
  ports?: number[];
  /** A decision already taken by the caller (serving's `kind: deployment`); skips the sandbox's. */
  decision?: DecidedSubsidy;
  /** Bin packing (fullest node first) and nodes to keep off; see `PlacementRequest`. */
  placement?: { pack?: boolean; avoidNodeIds?: string[]; avoidZones?: string[] };
}

const START_TIMEOUT_MS = 30000;
const STOP_TIMEOUT_MS = 15000;
/** Per-process limits the agent enforces besides memory. */
const PIDS_LIMIT = 256;
const DISK_MB = 2048;
const DEFAULT_WALL_SECONDS = 600;
/** Stopped by the system rather than by the owner: the next exec or write starts it again. */
const RESUMABLE_REASONS = new Set(['idle', 'agent_restarted', 'agent_stopped']);

/** The sandbox lifecycle: create (place, decide, start), read, stop, delete. */
@Injectable()
export class SandboxesService {
  private readonly logger = new Logger(SandboxesService.name);

  constructor(
    private readonly sandboxes: SandboxesRepository,
    private readonly placement: SandboxPlacement,
    private readonly decider: SubsidyDecider,
    private readonly transitions: SandboxTransitions,
    private readonly channels: NodeChannelRegistry,
    private readonly clock: Clock,
    private readonly costs: CostEstimator,
    private readonly admission: SandboxAdmission,
    private readonly envs: SandboxEnv,
    private readonly nodes: NodesService,
  ) {}

  async create(principal: Principal, asked: CreateSandboxRequest): Promise<SandboxEntity> {
    const input = withSandboxDefaults(asked);
    const request = {
      runtime: input.runtime,
      cpu: input.cpu,
      memory_mb: input.memoryMb,
      gpus: input.gpus,
      gpu_type: input.gpuType,
      workload_class: input.workloadClass,
      network: input.network,
      ...(input.placement
        ? {
            pack: input.placement.pack,
            avoid_node_ids: input.placement.avoidNodeIds,
            avoid_zones: input.placement.avoidZones,
          }
        : {}),
      ...(input.ports?.length ? { forwards_ports: true } : {}),
    };
    const { node: best, fits, free } = await this.placement.find(request);
    const noCapacity = () =>
      new ConflictError(SandboxErrorCodes.noCapacity, noRoomReason(free, request), {
        requested: request,
        available: free,
        schedulable_nodes: free.length,
      });
    if (!best) {
      await this.explainNoFit(principal, input, request);
      throw noCapacity();
    }
    const [{ decision, estimatedCost }, quota] = await Promise.all([
      input.decision
        ? { decision: input.decision, estimatedCost: 0 }
        : this.decide(principal, input, best.kind),
      this.admission.quotaOf(principal.userId),
    ]);
    // Held against the wallet while active: the full-TTL list price at the user's rate.
    const reservedMicro = Math.ceil(estimatedCost * decision.rate_multiplier * MICRO_PER_CREDIT);
    const now = this.clock.now();
    // The decision was taken for this node kind: only nodes of that kind are tried.
    const candidates = fits.filter((n) => n.kind === best.kind);
    const sb = await this.placement.reserve(
      request,
      candidates,
      (node) =>
        Object.assign(new SandboxEntity(), {
          id: randomUUID(),
          ownerId: principal.userId,
          name: input.name ?? generateSandboxName(),
          nodeId: node.id,
          partnerId: node.partnerId,
          runtime: input.runtime,
          cpu: input.cpu,
          memoryMb: input.memoryMb,
          gpus: input.gpus,
          gpuType: input.gpuType,
          network: input.network,
          env: this.envs.seal(input.env),
          workloadClass: input.workloadClass,
          // Placed and decided: pending until the start goes out to the node.
          state: 'pending',
          stateReason: null,
          ttlSeconds: input.ttlSeconds,
          idleTimeoutSeconds: input.idleTimeoutSeconds,
          expiresAt: new Date(now.getTime() + input.ttlSeconds * 1000),
          lastActivityAt: now,
          startedAt: null,
          stoppedAt: null,
          meteredUntil: null,
          reservedMicro,
          subsidy: {
            tier: decision.tier,
            rate_multiplier: decision.rate_multiplier,
            max_gpu_hours: decision.max_gpu_hours,
            decision_id: decision.decision_id,
            policy_version: decision.policy_version,
          },
          purpose: input.purpose ?? 'sandbox',
          ports: input.ports ?? [],
          exposedPorts: [],
          createdAt: now,
          updatedAt: now,
          deletedAt: null,
        }),
      (tx, sb) => this.admission.admit(tx, sb, quota),
    );
    // Others took the room between the read and the lock.
    if (!sb) throw noCapacity();
    const node = candidates.find((n) => n.id === sb.nodeId)!;
    this.logger.log(
      { sandboxId: sb.id, nodeId: node.id, ownerId: principal.userId },
      'sandbox placed',
    );
    return this.start(sb, node);
  }

  /** Sends sandbox.start and waits for the agent's answer (also resumes an idle-stopped one). */
  async start(sb: SandboxEntity, node?: NodeEntity | null): Promise<SandboxEntity> {
    const nodeId = node?.id ?? sb.nodeId!;
    const channel = this.channels.get(nodeId);
    if (!channel) {
      return (await this.transitions.transition(sb.id, 'failed', 'node_unavailable')) ?? sb;
    }
    try {
      // `starting` is written while the agent already works on the start: no round trip waits.
      const [, reply] = await Promise.all([
        sb.state === 'pending'
          ? this.transitions.transition(sb.id, 'starting', null, { from: ['pending'], current: sb })
          : null,
        channel.request({ type: 'sandbox.start', spec: this.spec(sb) }, START_TIMEOUT_MS),
      ]);
      if (reply.type === 'sandbox.state' && reply.state === 'running') {
        return (
          (await this.transitions.transition(sb.id, 'running', null, {
            from: ['starting', 'stopped'],
            current: sb,
            ...(reply.ports
              ? {
                  patch: { exposedPorts: await this.checkedPorts(sb, node ?? nodeId, reply.ports) },
                }
              : {}),
          })) ?? sb
        );
      }
      const reason =
        reply.type === 'sandbox.state' ? (reply.reason ?? `agent_${reply.state}`) : 'start_failed';
      return (await this.transitions.transition(sb.id, 'failed', reason)) ?? sb;
    } catch (err) {
      const code =
        (err as { agentCode?: string; code?: string }).agentCode ?? (err as { code?: string }).code;
      this.logger.warn(
        { sandboxId: sb.id, nodeId, err: (err as Error).message },
        'sandbox start failed',
      );
      return (await this.transitions.transition(sb.id, 'failed', code ?? 'start_failed')) ?? sb;
    }
  }

  /**
   * The forwards an agent says it made, as far as the platform will connect to them: the
   * platform dials what is kept here (the serving proxy), so a semi-trusted node must not choose
   * where. Kept: a port the sandbox asked for, at the address issued with the node's token, on a
   * real port number. Anything else is dropped and logged (a replica then fails as unreachable).
   */
  private async checkedPorts(
    sb: SandboxEntity,
    /** The node placed on (create), or its id (a resume): read then. */
    on: NodeEntity | string,
    reported: ExposedPort[],
  ): Promise<ExposedPort[]> {
    const node = typeof on === 'string' ? await this.nodes.byId(on) : on;
    const address = node?.address ?? null;
    const nodeId = typeof on === 'string' ? on : on.id;
    const kept: ExposedPort[] = [];
    for (const p of reported) {
      const ok =
        address !== null &&
        p.host === address &&
        sb.ports.includes(p.port) &&
        Number.isInteger(p.host_port) &&
        p.host_port >= 1 &&
        p.host_port <= 65535;
      if (ok) kept.push({ port: p.port, host: address, host_port: p.host_port });
      else {
        this.logger.warn(
          { sandboxId: sb.id, nodeId, reported: p, issuedAddress: address },
          'forwarded port refused: not at the node’s issued address or not asked for',
        );
      }
    }
    return kept;
  }

  /** Subsidy decision for the placed request; a deny is a 403 `sandbox.policy_denied` with its reasons. */
  private async decide(
    principal: Principal,
    input: CreateSandboxInput,
    nodeKind: NodeEntity['kind'],
  ) {
    // The policy checks the balance against the full-TTL list price (before subsidy).
    const estimatedCost = await this.costs.estimate({
      kind: 'sandbox',
      seconds: input.ttlSeconds,
      gpus: input.gpus,
      gpu_type: input.gpuType,
    });
    const decision = await this.decider.decide(
      { userId: principal.userId, githubLogin: principal.githubLogin, roles: principal.roles },
      {
        kind: 'sandbox',
        workload_class: input.workloadClass,
        gpus: input.gpus,
        gpu_type: input.gpuType,
        cpu: input.cpu,
        memory_mb: input.memoryMb,
        estimated_gpu_hours: (input.gpus * input.ttlSeconds) / 3600,
        estimated_cost: estimatedCost,
        node_kind: nodeKind,
      },
    );
    if (!decision.allow) {
      throw new PolicyDeniedError(
        SandboxErrorCodes.policyDenied,
        'The subsidy policy denied this sandbox',
        {
          reasons: decision.reasons,
          tier: decision.tier,
          decision_id: decision.decision_id,
          policy_version: decision.policy_version,
        },
      );
    }
    return { decision, estimatedCost };
  }

  /**
   * Latency-sensitive work that only fits on a federated node: the policy has the words for
   * why not (`latency_sensitive_on_federated`), so its deny answers rather than a bare 409.
   */
  private async explainNoFit(
    principal: Principal,
    input: CreateSandboxInput,
    request: Parameters<SandboxPlacement['find']>[0],
  ): Promise<void> {
    if (input.workloadClass !== 'latency_sensitive') return;
    const { node } = await this.placement.find({ ...request, workload_class: 'latency_tolerant' });
    if (node) await this.decide(principal, input, node.kind);
  }

  async list(
    principal: Principal,
    opts: { all?: boolean; state?: SandboxState; name?: string },
  ): Promise<SandboxEntity[]> {
    const everyone = opts.all && isAdmin(principal);
    return this.sandboxes.list(everyone ? null : principal.userId, opts);
  }

  /**
   * The caller's sandbox by id or by name (or any by id, for admins); anyone else's is a 404.
   * A name is looked up among the caller's own sandboxes only, admins' too: names are unique
   * per owner, not across owners.
   */
  async get(principal: Principal, id: string): Promise<SandboxEntity> {
    const sb = isUuid(id)
      ? await this.sandboxes.findLive(id)
      : await this.sandboxes.findLiveByName(principal.userId, id);
    if (!sb || (sb.ownerId !== principal.userId && !isAdmin(principal))) {
      throw new NotFoundError(SandboxErrorCodes.notFound, 'No such sandbox', { id });
    }
    return sb;
  }

  async stop(principal: Principal, id: string): Promise<SandboxEntity> {
    const sb = await this.get(principal, id);
    if (!['pending', 'starting', 'running'].includes(sb.state)) return sb;
    return this.stopOnNode(sb, 'requested');
  }

  /** Moves a sandbox to stopped and tells its agent; files stay until the TTL. */
  async stopOnNode(sb: SandboxEntity, reason: string): Promise<SandboxEntity> {
    const stopped = await this.transitions.transition(sb.id, 'stopped', reason, {
      from: ['pending', 'starting', 'running'],
    });
    if (!stopped) return (await this.sandboxes.findById(sb.id)) ?? sb;
    await this.tell(
      sb.nodeId,
      { type: 'sandbox.stop', sandbox_id: sb.id, reason },
      STOP_TIMEOUT_MS,
    );
    return stopped;
  }

  async remove(principal: Principal, id: string): Promise<SandboxEntity> {
    const sb = await this.get(principal, id);
    const now = this.clock.now();
    const active = ['pending', 'starting', 'running'].includes(sb.state);
    const done = await this.transitions.transition(
      sb.id,
      active ? 'stopped' : sb.state,
      active ? 'deleted' : sb.stateReason,
      {
        patch: { deletedAt: now },
      },
    );
    await this.tell(sb.nodeId, { type: 'sandbox.delete', sandbox_id: sb.id }, STOP_TIMEOUT_MS);
    return done ?? sb;
  }

  /**
   * A running sandbox for exec and file writes; one stopped by idleness or by its agent's
   * restart (not by its owner) is started again first, with its files.
   */
  async ensureRunning(principal: Principal, id: string): Promise<SandboxEntity> {
    const sb = await this.get(principal, id);
    if (sb.state === 'running') return sb;
    if (
      sb.state === 'stopped' &&
      RESUMABLE_REASONS.has(sb.stateReason ?? '') &&
      sb.expiresAt > this.clock.now()
    ) {
      const resumed = await this.transitions.transition(sb.id, 'starting', 'resume', {
        from: ['stopped'],
      });
      if (resumed) {
        const started = await this.start(resumed);
        if (started.state === 'running') return started;
        throw new ConflictError(
          SandboxErrorCodes.notRunning,
          `The sandbox could not be started again (${started.stateReason ?? started.state})`,
          { id: sb.id, state: started.state, reason: started.stateReason },
        );
      }
    }
    throw new ConflictError(SandboxErrorCodes.notRunning, `The sandbox is ${sb.state}`, {
      id: sb.id,
      state: sb.state,
      reason: sb.stateReason,
    });
  }

  /** Sandbox files stay readable while stopped, until the TTL. */
  async readable(principal: Principal, id: string): Promise<SandboxEntity> {
    const sb = await this.get(principal, id);
    if (sb.state === 'running' || sb.state === 'stopped') return sb;
    throw new ConflictError(
      SandboxErrorCodes.notRunning,
      `The sandbox is ${sb.state}; its files are gone`,
      {
        id: sb.id,
        state: sb.state,
        reason: sb.stateReason,
      },
    );
  }

  /** Records activity (exec) without holding up the caller. */
  touch(id: string): void {
    void this.sandboxes
      .touch(id, this.clock.now())
      .catch((err: Error) =>
        this.logger.warn({ sandboxId: id, err: err.message }, 'activity not recorded'),
      );
  }

  private spec(sb: SandboxEntity): SandboxSpec {
    return {
      sandbox_id: sb.id,
      owner_id: sb.ownerId,
      runtime: sb.runtime,
      cpu: sb.cpu,
      memory_mb: sb.memoryMb,
      gpus: sb.gpus,
      gpu_type: sb.gpuType,
      network: sb.network,
      ...(sb.ports?.length ? { ports: sb.ports } : {}),
      env: this.envs.open(sb.env),
      limits: {
        memory_mb: sb.memoryMb,
        pids: PIDS_LIMIT,
        cpu_seconds: Math.max(60, sb.ttlSeconds),
        // A replica's `run` serves until the replica is stopped.
        wall_seconds:
          sb.purpose === 'replica' ? sb.ttlSeconds : Math.min(DEFAULT_WALL_SECONDS, sb.ttlSeconds),
        disk_mb: DISK_MB,
      },
    };
  }

  /** Best effort: the platform's state is already decided; a later hello reconciles the rest. */
  async tell(
    nodeId: string | null,
    msg:
      | { type: 'sandbox.stop'; sandbox_id: string; reason: string }
      | { type: 'sandbox.delete'; sandbox_id: string },
    timeoutMs: number,
  ): Promise<void> {
    const channel = nodeId ? this.channels.get(nodeId) : undefined;
    if (!channel) return;
    try {
      await channel.request(msg, timeoutMs);
    } catch (err) {
      this.logger.warn(
        { sandboxId: msg.sandbox_id, nodeId, err: (err as Error).message },
        `${msg.type} not confirmed`,
      );
    }
  }
}
