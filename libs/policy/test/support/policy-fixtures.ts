import {
  PolicyInputRegistry,
  PolicySubject,
  SubsidyDecider,
  SubsidyRequest,
} from '@nanopod/policy';
import type { TestPlatform } from '../../../../test/support/test-platform';

/** The parts of a policy input other contexts contribute, per user. */
export interface InputParts {
  reputation?: unknown;
  grants?: unknown;
  usage?: unknown;
  balance?: unknown;
}

/**
 * Registers input contributors (the port billing and reputation use) that answer from a table,
 * so decisions are made from known inputs through the real decider.
 */
export function registerParts(platform: TestPlatform, table: Map<string, InputParts>): void {
  const registry = platform.app.get(PolicyInputRegistry);
  for (const key of ['reputation', 'grants', 'usage', 'balance'] as const) {
    registry.register({
      key,
      contribute: (s: PolicySubject) => Promise.resolve(table.get(s.userId)?.[key]),
    });
  }
}

export function subject(userId: string): PolicySubject {
  return { userId, githubLogin: `login-${userId.slice(0, 8)}`, roles: ['developer'] };
}

export function sandboxRequest(overrides: Partial<SubsidyRequest> = {}): SubsidyRequest {
  return {
    kind: 'sandbox',
    workload_class: 'latency_tolerant',
    gpus: 1,
    gpu_type: 'H100',
    estimated_gpu_hours: 2,
    estimated_cost: 800,
    node_kind: null,
    ...overrides,
  };
}

export function decider(platform: TestPlatform): SubsidyDecider {
  return platform.app.get(SubsidyDecider);
}

export const grant = { id: 'g1', status: 'active', monthly_gpu_hours: 40, rate_multiplier: 0 };

/** Active subsidy source with one line replaced (fails the test when the line is not there). */
export function edit(source: string, from: string, to: string): string {
  if (!source.includes(from)) throw new Error(`subsidy.rego has no line ${from}`);
  return source.replace(from, to);
}
