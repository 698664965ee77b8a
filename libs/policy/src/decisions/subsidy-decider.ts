import { DecidedSubsidy, PolicySubject, SubsidyRequest } from './subsidy.types';

/**
 * The port every compute request goes through before it starts. Implemented by the policy
 * lib's decision service: builds the input (subject, request, registered parts), evaluates
 * `data.nanopod.subsidy.decision` on the active version, logs the decision. Fails closed: an
 * evaluation error is `{allow: false, reasons: ['policy_error']}`.
 */
export abstract class SubsidyDecider {
  abstract decide(subject: PolicySubject, request: SubsidyRequest): Promise<DecidedSubsidy>;
}
