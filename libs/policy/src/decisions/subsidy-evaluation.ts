import { EvalLimits, RegoEvalError } from '@nanopod/rego';
import { PolicyEvaluator } from '../runtime/policy-evaluator';
import { SubsidyDecision } from './subsidy.types';

export const SUBSIDY_DECISION_REF = 'data.nanopod.subsidy.decision';

/**
 * Bounds of one decision. A subsidy decision takes a few thousand steps; these stop a policy
 * that loops or explodes long before it hurts the request that is waiting on it.
 */
export const DECISION_LIMITS: EvalLimits = { maxSteps: 1_000_000, timeoutMs: 250 };

/** Fail closed: what an evaluation error decides. */
export function failClosed(): SubsidyDecision {
  return {
    allow: false,
    tier: 'none',
    rate_multiplier: 1,
    max_gpu_hours: 0,
    reasons: ['policy_error'],
  };
}

export interface DecisionError {
  /** The engine's code (eval_limit_error, eval_type_error, ...) or ours (decision_malformed, ...). */
  code: string;
  message: string;
}

export interface EvaluatedDecision {
  decision: SubsidyDecision;
  error: DecisionError | null;
  latencyUs: number;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** The result's shape, checked: a policy edit must not hand callers something else. */
export function parseDecision(value: unknown): SubsidyDecision | DecisionError {
  if (value === undefined) {
    return { code: 'decision_undefined', message: `${SUBSIDY_DECISION_REF} is undefined` };
  }
  const bad = (why: string): DecisionError => ({ code: 'decision_malformed', message: why });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return bad('decision is not an object');
  }
  const d = value as Record<string, unknown>;
  if (typeof d.allow !== 'boolean') return bad('allow must be a boolean');
  if (typeof d.tier !== 'string' || d.tier === '') return bad('tier must be a non-empty string');
  if (!isFiniteNumber(d.rate_multiplier) || d.rate_multiplier < 0) {
    return bad('rate_multiplier must be a number >= 0');
  }
  if (!isFiniteNumber(d.max_gpu_hours) || d.max_gpu_hours < 0) {
    return bad('max_gpu_hours must be a number >= 0');
  }
  if (!Array.isArray(d.reasons) || !d.reasons.every((r) => typeof r === 'string')) {
    return bad('reasons must be an array of strings');
  }
  return {
    allow: d.allow,
    tier: d.tier,
    rate_multiplier: d.rate_multiplier,
    max_gpu_hours: d.max_gpu_hours,
    reasons: d.reasons as string[],
  };
}

/**
 * Evaluates the subsidy decision on a compiled set (the engine's CompiledPolicy, or any
 * PolicyEvaluator such as an OPA bundle); never throws (errors fail closed). `limits` reach
 * evaluators that take them (the engine).
 */
export function evaluateSubsidy(
  compiled: PolicyEvaluator | null,
  input: unknown,
  limits: EvalLimits = DECISION_LIMITS,
): EvaluatedDecision {
  if (!compiled) {
    return {
      decision: failClosed(),
      error: { code: 'no_active_policy', message: 'no active subsidy policy' },
      latencyUs: 0,
    };
  }
  const start = process.hrtime.bigint();
  let value: unknown;
  let error: DecisionError | null = null;
  try {
    const options = { input, limits };
    value = compiled.evaluate(SUBSIDY_DECISION_REF, options);
  } catch (err) {
    error =
      err instanceof RegoEvalError
        ? { code: err.code, message: err.message }
        : { code: 'eval_internal_error', message: (err as Error).message };
  }
  const latencyUs = Math.max(1, Math.round(Number(process.hrtime.bigint() - start) / 1000));
  if (error) return { decision: failClosed(), error, latencyUs };
  const parsed = parseDecision(value);
  if ('code' in parsed) return { decision: failClosed(), error: parsed, latencyUs };
  return { decision: parsed, error: null, latencyUs };
}

const SECRET_KEY = /secret|token|password|passwd|api_?key|private|credential|authorization/i;

/** A copy of the input without anything that looks like a secret, for logs and the decision log. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k,
      SECRET_KEY.test(k) ? '[redacted]' : redactSecrets(v, depth + 1),
    ]),
  );
}
