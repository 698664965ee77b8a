export * from './protocol/agent-protocol';
export { FederationModule } from './federation.module';
export { FederationErrorCodes } from './federation.errors';
export { PartnersService, PartnerWithOwners } from './services/partners.service';
export { EnrollmentService, CreatedEnrollmentToken } from './services/enrollment.service';
export { NodesService, NodeSelector, NodeView } from './services/nodes.service';
export { nodePlacementFacts } from './services/node-placement-facts';
export {
  NodeEvents,
  AgentSandboxReport,
  SandboxStateMessage,
  UsageMessage,
} from './events/node-events';
export { NodeChannelRegistry } from './channel/node-channel.registry';
export { AgentChannelGateway } from './channel/agent-channel.gateway';
export {
  NodeChannel,
  AgentLink,
  AgentReplyError,
  ExecExit,
  ExecOutput,
} from './channel/node-channel';
// Types only: other contexts read node rows through NodesService, never through TypeORM.
export type { NodeEntity, NodeState, NodeHealth } from './entities/node.entity';
export { nodeState } from './entities/node.entity';
export { UNHEALTHY_AFTER_MISSED, LOST_AFTER_MISSED } from './services/node-health.reconciler';

import { FederationInit1764300000000 } from './migrations/1764300000000-federation-init';
import { AgentRpcBodies1764300000200 } from './migrations/1764300000200-agent-rpc-bodies';
import { NodeTrust1764300000500 } from './migrations/1764300000500-node-trust';
import { NodeAddress1796320000000 } from './migrations/1796320000000-node-address';
/** This context's migrations, in order. */
export const federationMigrations = [
  FederationInit1764300000000,
  AgentRpcBodies1764300000200,
  NodeTrust1764300000500,
  NodeAddress1796320000000,
];
