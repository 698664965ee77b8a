export * from './decisions/subsidy.types';
export { SubsidyDecider } from './decisions/subsidy-decider';
export { PolicyInputRegistry } from './decisions/policy-input.registry';
export { PlacementPolicy } from './decisions/placement-policy.service';
export {
  PlacementJudge,
  PLACEMENT_REF,
  parsePlacement,
  placementNodeKey,
} from './decisions/placement-judge';
export type {
  PlacementNodeFacts,
  PlacementSubject,
  PlacementVerdict,
  PlacementWorkKind,
} from './decisions/placement-judge';
export { PolicyModule } from './policy.module';
export { ActivePolicyService, POLICY_ACTIVATED_CHANNEL } from './runtime/active-policy.service';
export type { PolicySet } from './runtime/active-policy.service';
export {
  evaluateSubsidy,
  failClosed,
  parseDecision,
  SUBSIDY_DECISION_REF,
  DECISION_LIMITS,
} from './decisions/subsidy-evaluation';
export type { EvaluatedDecision, DecisionError } from './decisions/subsidy-evaluation';
export { PolicyErrorCodes } from './policy.errors';
export type { PolicyProblem } from './policy.errors';

import { PolicyInit1764100000000 } from './migrations/1764100000000-policy-init';
/** This context's migrations, in order. */
export const policyMigrations = [PolicyInit1764100000000];
