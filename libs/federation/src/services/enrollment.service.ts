import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  Clock,
  ConflictError,
  ForbiddenError,
  NANOPOD_CONFIG,
  NanopodConfig,
  UnauthenticatedError,
} from '@nanopod/common';
import { isAdmin, Principal } from '@nanopod/identity';
import { randomUUID } from 'node:crypto';
import { EnrollmentTokenEntity } from '../entities/enrollment-token.entity';
import { NodeEntity } from '../entities/node.entity';
import { FederationErrorCodes } from '../federation.errors';
import { EnrollmentTokensRepository } from '../repositories/enrollment-tokens.repository';
import type {
  EnrollRequest,
  EnrollResponse,
  NodeKind,
  WorkloadClassName,
} from '../protocol/agent-protocol';
import { normalizeInventory } from './inventory';
import { differingClaims, issuedClasses, trustedInventory } from './node-trust';
import { generateSecret, parseSecret, secretMatches } from './node-secrets';
import { PartnersService } from './partners.service';

export const DEFAULT_TOKEN_TTL_SECONDS = 3600;

/** The zone of a node whose token pinned none: never the one its agent names. */
export const DEFAULT_NODE_ZONE = 'default';

export interface TokenInput {
  expiresInSeconds?: number;
  zone?: string;
  labels?: Record<string, string>;
  kind?: NodeKind;
  workloadClasses?: WorkloadClassName[];
  /** The node's address for forwarded replica ports (an IP literal; admins only). */
  address?: string;
}

export interface CreatedEnrollmentToken {
  row: EnrollmentTokenEntity;
  token: string;
}

/** Single-use, expiring enrollment tokens and their exchange for a node credential. */
@Injectable()
export class EnrollmentService {
  private readonly logger = new Logger(EnrollmentService.name);

  constructor(
    private readonly tokens: EnrollmentTokensRepository,
    private readonly partners: PartnersService,
    private readonly clock: Clock,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
  ) {}

  async createToken(
    principal: Principal,
    /** The partner's id or name. */
    partnerRef: string,
    input: TokenInput,
  ): Promise<CreatedEnrollmentToken> {
    // 404 unless the partner exists and the caller is an admin or one of its owners.
    const { partner } = await this.partners.get(principal, partnerRef);
    // A partner may enroll its own machines, but only the platform vouches for InfiniBand.
    if ((input.kind ?? 'federated') !== 'federated' && !isAdmin(principal)) {
      throw new ForbiddenError(
        FederationErrorCodes.kindForbidden,
        'Only admins issue tokens for InfiniBand nodes',
        { kind: input.kind },
      );
    }
    // The platform will connect to this address: only the platform says where that is.
    if (input.address !== undefined && !isAdmin(principal)) {
      throw new ForbiddenError(
        FederationErrorCodes.addressForbidden,
        "Only admins set a node's address",
        { address: input.address },
      );
    }
    return this.issue(partner.id, principal.userId, input);
  }

  /** Issues a token without a caller check (the embedded default's local agent). */
  async issue(
    partnerId: string,
    createdBy: string | null,
    input: TokenInput,
  ): Promise<CreatedEnrollmentToken> {
    const kind = input.kind ?? 'federated';
    const id = randomUUID();
    const { token, secretHash } = generateSecret('npe', id);
    const now = this.clock.now();
    const row = Object.assign(new EnrollmentTokenEntity(), {
      id,
      partnerId,
      secretHash,
      zone: input.zone ?? null,
      labels: input.labels ?? {},
      kind,
      workloadClasses: input.workloadClasses ? issuedClasses(kind, input.workloadClasses) : null,
      address: input.address ?? null,
      createdBy,
      createdAt: now,
      expiresAt: new Date(
        now.getTime() + (input.expiresInSeconds ?? DEFAULT_TOKEN_TTL_SECONDS) * 1000,
      ),
      usedAt: null,
      usedByNodeId: null,
    });
    await this.tokens.insert(row);
    this.logger.log({ partnerId, tokenId: id }, 'enrollment token issued');
    return { row, token };
  }

  /** Trades a token for a node and its credential, once. */
  async enroll(req: EnrollRequest): Promise<EnrollResponse> {
    const parsed = parseSecret('npe', req.token);
    if (!parsed) {
      throw new UnauthenticatedError(
        FederationErrorCodes.tokenInvalid,
        'The enrollment token is not valid',
      );
    }
    const inventory = normalizeInventory(req.inventory);
    const now = this.clock.now();
    const nodeId = randomUUID();
    const { token: credential, secretHash } = generateSecret('npn', nodeId);
    await this.tokens.transaction(async (tx) => {
      const row = await tx.lockToken(parsed.id);
      if (!row || !secretMatches(parsed.secret, row.secretHash)) {
        throw new UnauthenticatedError(
          FederationErrorCodes.tokenInvalid,
          'The enrollment token is not valid',
        );
      }
      if (row.usedAt) {
        throw new ConflictError(
          FederationErrorCodes.tokenUsed,
          'This enrollment token was already used',
          {
            used_at: row.usedAt.toISOString(),
          },
        );
      }
      if (row.expiresAt <= now) {
        throw new UnauthenticatedError(
          FederationErrorCodes.tokenExpired,
          'This enrollment token has expired',
          {
            expired_at: row.expiresAt.toISOString(),
          },
        );
      }
      if (!(await tx.markUsed(row.id, now, nodeId))) {
        throw new ConflictError(
          FederationErrorCodes.tokenUsed,
          'This enrollment token was already used',
        );
      }
      const issued = {
        kind: row.kind,
        zone: row.zone ?? DEFAULT_NODE_ZONE,
        workloadClasses: issuedClasses(row.kind, row.workloadClasses),
      };
      const claimed = differingClaims(issued, req.inventory);
      if (claimed) {
        this.logger.warn(
          { nodeId, tokenId: row.id, claimed },
          'agent claims differ from its token',
        );
      }
      await tx.insertNode(
        Object.assign(new NodeEntity(), {
          id: nodeId,
          partnerId: row.partnerId,
          name: req.name,
          credentialHash: secretHash,
          health: 'healthy',
          drain: 'none',
          cordoned: false,
          zone: issued.zone,
          labels: { ...inventory.labels, ...row.labels },
          kind: issued.kind,
          workloadClasses: issued.workloadClasses,
          address: row.address,
          claimed,
          inventory: trustedInventory(inventory, issued),
          agentVersion: inventory.agent_version,
          lastHeartbeatAt: now,
          healthChangedAt: now,
          createdAt: now,
          updatedAt: now,
        }),
      );
    });
    this.logger.log({ nodeId, tokenId: parsed.id }, 'node enrolled');
    return { node_id: nodeId, credential, heartbeat_interval_ms: this.config.nodeHeartbeatMs };
  }
}
