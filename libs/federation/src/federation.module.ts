import { Module } from '@nestjs/common';
import { IdentityModule } from '@nanopod/identity';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NodeCredentialGuard } from './auth/node-credential.guard';
import { AgentChannelGateway } from './channel/agent-channel.gateway';
import { AgentRouter } from './channel/agent-router';
import { NodeChannelRegistry } from './channel/node-channel.registry';
import { AgentController } from './controllers/agent.controller';
import { NodesController } from './controllers/nodes.controller';
import { PartnersController } from './controllers/partners.controller';
import { EnrollmentTokenEntity } from './entities/enrollment-token.entity';
import { NodeEntity } from './entities/node.entity';
import { PartnerEntity, PartnerMemberEntity } from './entities/partner.entity';
import { NodeEvents } from './events/node-events';
import { AgentRpcBodiesRepository } from './repositories/agent-rpc-bodies.repository';
import { EnrollmentTokensRepository } from './repositories/enrollment-tokens.repository';
import { NodesRepository } from './repositories/nodes.repository';
import { PartnersRepository } from './repositories/partners.repository';
import { EnrollmentService } from './services/enrollment.service';
import { NodeAuthService } from './services/node-auth.service';
import { NodeExecService } from './services/node-exec.service';
import { NodeHealthReconciler } from './services/node-health.reconciler';
import { NodesService } from './services/nodes.service';
import { PartnersService } from './services/partners.service';

/**
 * Partners, node enrollment and credentials, heartbeats and health, the agent channel.
 * Sandbox and compute import it to place work on nodes through NodesService, NodeChannelRegistry
 * and NodeEvents.
 */
@Module({
  imports: [
    IdentityModule,
    TypeOrmModule.forFeature([
      PartnerEntity,
      PartnerMemberEntity,
      EnrollmentTokenEntity,
      NodeEntity,
    ]),
  ],
  controllers: [PartnersController, AgentController, NodesController],
  providers: [
    NodesRepository,
    PartnersRepository,
    EnrollmentTokensRepository,
    PartnersService,
    EnrollmentService,
    NodesService,
    NodeAuthService,
    NodeExecService,
    NodeHealthReconciler,
    NodeEvents,
    AgentRpcBodiesRepository,
    AgentRouter,
    NodeChannelRegistry,
    AgentChannelGateway,
    NodeCredentialGuard,
  ],
  exports: [PartnersService, EnrollmentService, NodesService, NodeEvents, NodeChannelRegistry],
})
export class FederationModule {}
