export * from './decisions/subsidy.types';
export { SubsidyDecider } from './decisions/subsidy-decider';
export { PolicyInputRegistry } from './decisions/policy-input.registry';
