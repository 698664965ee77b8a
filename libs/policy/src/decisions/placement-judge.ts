import { RegoEvalError } from '@nanopod/rego';
import { PolicyEvaluator } from '../runtime/policy-evaluator';
import { DecisionError, DECISION_LIMITS } from './subsidy-evaluation';

/** The placement policy's package, evaluated whole: `allow`, and optionally `score`, `reasons`. */
export const PLACEMENT_REF = 'data.nanopod.placement';

/** What is being placed: a sandbox, a deployment's node, or a buy order's reserved time. */
export type PlacementWorkKind = 'sandbox' | 'deployment_node' | 'order';

/** The work side of the placement input; the same for every node of one placement. */
export interface PlacementSubject {
  workload_class: string;
  request: { kind: PlacementWorkKind; zone?: string | null; gpu_type?: string | null };
}

/**
 * The node side of the placement input: what the platform issued or observed about a node
 * (never free resources: those are hard limits the caller checks, and they would make every
 * decision unique). Two nodes with equal facts get the same verdict.
 */
export interface PlacementNodeFacts {
  kind: string;
  zone: string;
  gpu_models: string[];
  labels: Record<string, string>;
}

/** The policy's answer for one (subject, node). Higher `score` is placed first. */
export interface PlacementVerdict {
  allow: boolean;
  score: number;
  reasons: string[];
  /** Set when the policy failed: the verdict is then a deny (fail closed). */
  error: DecisionError | null;
}

/** A stable key for a node's facts: nodes that share it share a verdict. */
export function placementNodeKey(facts: PlacementNodeFacts): string {
  const labels = Object.keys(facts.labels)
    .sort()
    .map((k) => `${k}=${facts.labels[k]}`)
    .join(',');
  return `${facts.kind}\u0000${facts.zone}\u0000${facts.gpu_models.join(',')}\u0000${labels}`;
}

function subjectKey(s: PlacementSubject): string {
  const r = s.request;
  return `${s.workload_class}\u0000${r.kind}\u0000${r.zone ?? ''}\u0000${r.gpu_type ?? ''}`;
}

function failed(error: DecisionError): PlacementVerdict {
  return { allow: false, score: 0, reasons: ['policy_error'], error };
}

/** The package document's shape, checked: `allow` must be a boolean; the rest is optional. */
export function parsePlacement(value: unknown): PlacementVerdict {
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
    return failed({ code: 'decision_undefined', message: `${PLACEMENT_REF} is not a document` });
  }
  const d = value as Record<string, unknown>;
  if (typeof d.allow !== 'boolean') {
    return failed({ code: 'decision_malformed', message: 'placement allow must be a boolean' });
  }
  const score = d.score === undefined ? 0 : d.score;
  if (typeof score !== 'number' || !Number.isFinite(score)) {
    return failed({ code: 'decision_malformed', message: 'placement score must be a number' });
  }
  const reasons = d.reasons === undefined ? [] : d.reasons;
  if (!Array.isArray(reasons) || !reasons.every((r) => typeof r === 'string')) {
    return failed({ code: 'decision_malformed', message: 'placement reasons must be strings' });
  }
  return { allow: d.allow, score, reasons: reasons as string[], error: null };
}

/**
 * Placement decisions of one compiled policy set, remembered per (subject, node facts): a
 * placement over 1,000 nodes evaluates the policy once per distinct kind of node, not per
 * node, and a repeated placement not at all. A judge belongs to one compiled set (a new
 * activation gets a new judge), so a remembered verdict is never stale. Errors are not
 * remembered and deny (fail closed).
 *
 * @example
 * const judge = new PlacementJudge(compiled);
 * const verdictOf = judge.forSubject({ workload_class: 'latency_tolerant', request: { kind: 'sandbox' } });
 * verdictOf(placementNodeKey(facts), facts).allow;
 */
export class PlacementJudge {
  private readonly memo = new Map<string, Map<string, PlacementVerdict>>();
  /** Policy evaluations made (not answered from memory): for tests and the bench. */
  evaluations = 0;

  constructor(
    readonly compiled: PolicyEvaluator | null,
    readonly versions: Record<string, number> = {},
  ) {}

  /** The verdict function for one subject; `nodeKey` is `placementNodeKey(facts)`. */
  forSubject(
    subject: PlacementSubject,
  ): (nodeKey: string, facts: PlacementNodeFacts) => PlacementVerdict {
    const key = subjectKey(subject);
    let byNode = this.memo.get(key);
    if (!byNode) {
      byNode = new Map();
      // Bounded: subjects are few (class × kind × zone × gpu type); a flood starts over.
      if (this.memo.size > 4096) this.memo.clear();
      this.memo.set(key, byNode);
    }
    const memo = byNode;
    return (nodeKey, facts) => {
      const known = memo.get(nodeKey);
      if (known) return known;
      const v = this.evaluate({ ...subject, node: facts });
      if (!v.error && memo.size < 65_536) memo.set(nodeKey, v);
      return v;
    };
  }

  private evaluate(input: PlacementSubject & { node: PlacementNodeFacts }): PlacementVerdict {
    if (!this.compiled) {
      return failed({ code: 'no_active_policy', message: 'no active placement policy' });
    }
    this.evaluations++;
    try {
      return parsePlacement(
        this.compiled.evaluate(PLACEMENT_REF, { input, limits: DECISION_LIMITS } as {
          input: unknown;
        }),
      );
    } catch (err) {
      return failed(
        err instanceof RegoEvalError
          ? { code: err.code, message: err.message }
          : { code: 'eval_internal_error', message: (err as Error).message },
      );
    }
  }
}
