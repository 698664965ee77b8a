import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MetricsModule } from '@nanopod/common';
import { IdentityModule } from '@nanopod/identity';
import { PoliciesController } from './controllers/policies.controller';
import { PolicyDecisionsController } from './controllers/policy-decisions.controller';
import { DecisionLogPruner } from './decisions/decision-log-pruner.service';
import { PolicyInputRegistry } from './decisions/policy-input.registry';
import { PlacementPolicy } from './decisions/placement-policy.service';
import { PolicySubsidyDecider } from './decisions/policy-subsidy-decider.service';
import { SubsidyDecider } from './decisions/subsidy-decider';
import { PolicyActivationEntity } from './entities/policy-activation.entity';
import { PolicyDecisionEntity } from './entities/policy-decision.entity';
import { PolicyVersionEntity } from './entities/policy-version.entity';
import { PolicyEntity } from './entities/policy.entity';
import { DecisionLogRepository } from './repositories/decision-log.repository';
import { PolicyRepository } from './repositories/policy.repository';
import { ActivePolicyService } from './runtime/active-policy.service';
import { PolicyAdminService } from './store/policy-admin.service';
import { PolicyLabService } from './store/policy-lab.service';
import { PolicySeeder } from './store/policy-seeder.service';

/**
 * Policy store, versions, in-process evaluation and decisions. Billing and compute (and the
 * app, for reputation) register input parts with PolicyInputRegistry and ask SubsidyDecider for decisions.
 */
@Module({
  imports: [
    IdentityModule,
    MetricsModule,
    TypeOrmModule.forFeature([
      PolicyEntity,
      PolicyVersionEntity,
      PolicyActivationEntity,
      PolicyDecisionEntity,
    ]),
  ],
  // PolicyDecisionsController first: its /decisions and /decide come before `:name`.
  controllers: [PolicyDecisionsController, PoliciesController],
  providers: [
    PolicyInputRegistry,
    PolicyRepository,
    DecisionLogRepository,
    PolicySeeder,
    ActivePolicyService,
    PolicyAdminService,
    PolicyLabService,
    DecisionLogPruner,
    PolicySubsidyDecider,
    PlacementPolicy,
    { provide: SubsidyDecider, useExisting: PolicySubsidyDecider },
  ],
  exports: [PolicyInputRegistry, SubsidyDecider, ActivePolicyService, PlacementPolicy],
})
export class PolicyModule {}
