import { Injectable, OnModuleInit } from '@nestjs/common';
import { PolicyInputRegistry } from '@nanopod/policy';
import { ReputationPolicyInputs } from '@nanopod/reputation';

/**
 * Reputation and policy sit in one layer and may not import each other, so the app (on top of
 * both) registers reputation's input parts with the policy's registry.
 */
@Injectable()
export class PolicyInputsBinding implements OnModuleInit {
  constructor(
    private readonly registry: PolicyInputRegistry,
    private readonly reputation: ReputationPolicyInputs,
  ) {}

  onModuleInit(): void {
    this.registry.register({
      key: 'reputation',
      contribute: (subject) => this.reputation.reputationPart(subject.userId),
    });
    this.registry.register({
      key: 'grants',
      contribute: (subject) => this.reputation.grantsPart(subject.userId),
    });
  }
}
