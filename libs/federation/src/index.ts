export * from './protocol/agent-protocol';
export { FederationModule } from './federation.module';
export { FederationErrorCodes } from './federation.errors';
export { PartnersService, PartnerWithOwners } from './services/partners.service';
export { EnrollmentService, CreatedEnrollmentToken } from './services/enrollment.service';
export { NodesService, NodeSelector, NodeView } from './services/nodes.service';
export {
  NodeEvents,
  AgentSandboxReport,
  SandboxStateMessage,
  UsageMessage,
} from './events/node-events';
export { NodeChannelRegistry } from './channel/node-channel.registry';
export { AgentChannelGateway } from './channel/agent-channel.gateway';
export { NodeChannel, AgentReplyError, ExecExit, ExecOutput } from './channel/node-channel';
export { NodeEntity, NodeState, NodeHealth, nodeState } from './entities/node.entity';
export { UNHEALTHY_AFTER_MISSED, LOST_AFTER_MISSED } from './services/node-health.reconciler';

import { FederationInit1764300000000 } from './migrations/1764300000000-federation-init';
/** This context's migrations, in order. */
export const federationMigrations = [FederationInit1764300000000];
