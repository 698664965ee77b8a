import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ClusterBus, ForbiddenError, UnauthenticatedError } from '@nanopod/common';
import { FederationErrorCodes } from '../federation.errors';
import { NodesRepository } from '../repositories/nodes.repository';
import { parseSecret, secretMatches } from './node-secrets';

/**
 * Checks a node credential (`npn_<nodeIdHex>_<secret>`, Bearer) for a request on `nodeId`.
 * The credential names its node, so a valid credential used on another node's path is a 403
 * `federation.node_mismatch`, and anything else a 401.
 */
/** A terminated node's cached credential is dropped on every replica. */
const FORGET_CHANNEL = 'federation_node_forget';

@Injectable()
export class NodeAuthService implements OnModuleInit {
  private readonly logger = new Logger(NodeAuthService.name);
  /** node id -> credential hash; hashes never change, a terminated node is dropped. */
  private readonly hashes = new Map<string, string>();

  constructor(
    private readonly nodes: NodesRepository,
    private readonly bus: ClusterBus,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe(FORGET_CHANNEL, (nodeId) => this.hashes.delete(nodeId));
  }

  async verify(pathNodeId: string, authorization: string | undefined): Promise<string> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const parsed = bearer ? parseSecret('npn', bearer) : null;
    if (!parsed) {
      throw new UnauthenticatedError(
        FederationErrorCodes.credentialInvalid,
        'Send the node credential (npn_...) as a Bearer token',
      );
    }
    const hash = await this.hashOf(parsed.id);
    if (!hash || !secretMatches(parsed.secret, hash)) {
      throw new UnauthenticatedError(
        FederationErrorCodes.credentialInvalid,
        'The node credential is not valid',
      );
    }
    if (parsed.id !== pathNodeId) {
      throw new ForbiddenError(
        FederationErrorCodes.nodeMismatch,
        'A node credential acts for its own node only',
        { credential_node_id: parsed.id, requested_node_id: pathNodeId },
      );
    }
    return parsed.id;
  }

  /** Here at once, on the other replicas as soon as the bus carries it. */
  forget(nodeId: string): void {
    this.hashes.delete(nodeId);
    this.bus.publish(FORGET_CHANNEL, nodeId).catch((err: Error) => {
      this.logger.warn({ nodeId, err: err.message }, 'node credential drop not published');
    });
  }

  private async hashOf(nodeId: string): Promise<string | undefined> {
    const cached = this.hashes.get(nodeId);
    if (cached) return cached;
    const hash = await this.nodes.credentialHash(nodeId);
    if (hash) this.hashes.set(nodeId, hash);
    return hash;
  }
}
