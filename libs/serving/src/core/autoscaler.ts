import type { ReplicaPolicy } from './service-spec';
import { isReplicaAlive, ReplicaStatus, SCALE_DOWN_ORDER } from './states';

/** What the autoscaler remembers between passes (kept on the service row). */
export interface ScalerState {
  target: number;
  /** Since when the wanted count has been above the target (null: it is not). */
  upSince: string | null;
  downSince: string | null;
}

/**
 * The target number of replicas: `ceil(qps / target_qps_per_replica)` clamped to [min, max]
 * (SkyServe's request-rate autoscaler), moved only after the wanted count has stayed above the
 * target for `upscale_delay_seconds` or below it for `downscale_delay_seconds`. To zero (min 0)
 * it goes after `scale_to_zero_delay_seconds` without traffic; a request waiting on a service
 * at zero scales it to one at once (the cold start is all the delay it gets).
 */
export function nextTarget(
  policy: ReplicaPolicy,
  state: ScalerState,
  input: { qps: number; waiting: number; now: Date },
): ScalerState {
  const { min_replicas: min, max_replicas: max } = policy;
  const clamp = (n: number) => Math.min(max, Math.max(min, n));
  if (policy.target_qps_per_replica === null && min > 0) {
    return { target: min, upSince: null, downSince: null };
  }
  const perReplica = policy.target_qps_per_replica ?? Number.POSITIVE_INFINITY;
  let wanted = clamp(Math.ceil(input.qps / perReplica));
  if (input.qps > 0 || input.waiting > 0) wanted = Math.max(wanted, Math.min(max, 1));
  const now = input.now.getTime();
  const since = (iso: string | null) => (iso ? now - Date.parse(iso) : 0);
  if (state.target === 0 && wanted > 0 && input.waiting > 0) {
    return { target: wanted, upSince: null, downSince: null };
  }
  if (wanted > state.target) {
    const upSince = state.upSince ?? input.now.toISOString();
    if (since(upSince) >= policy.upscale_delay_seconds * 1000) {
      return { target: wanted, upSince: null, downSince: null };
    }
    return { target: state.target, upSince, downSince: null };
  }
  if (wanted < state.target) {
    const downSince = state.downSince ?? input.now.toISOString();
    const delay =
      wanted === 0 ? policy.scale_to_zero_delay_seconds : policy.downscale_delay_seconds;
    if (since(downSince) >= delay * 1000) {
      return { target: wanted, upSince: null, downSince: null };
    }
    return { target: state.target, upSince: null, downSince };
  }
  return { target: state.target, upSince: null, downSince: null };
}

export type Pricing = 'spot' | 'on_demand';

export interface PlannedReplica {
  id: number;
  status: ReplicaStatus;
  pricing: Pricing;
  version: number;
}

export interface ReplicaPlan {
  launch: Array<{ pricing: Pricing }>;
  /** Replica ids to shut down, in SkyServe's scale-down order. */
  shutdown: number[];
}

/**
 * Which replicas to launch and which to stop for `target` (SkyServe's spot placement with
 * fallbacks): with `use_spot`, `base_ondemand_fallback_replicas` on-demand replicas always and
 * the rest spot; with `dynamic_ondemand_fallback`, one on-demand replica more for each spot
 * replica of the target not READY, dropped again as spot comes READY. Without spot, all
 * on-demand. Only replicas of `version` count; the caller retires older versions (rolling).
 */
export function planReplicas(
  policy: ReplicaPolicy,
  useSpot: boolean,
  target: number,
  version: number,
  replicas: PlannedReplica[],
): ReplicaPlan {
  const current = replicas.filter((r) => r.version === version && isReplicaAlive(r.status));
  const spot = current.filter((r) => r.pricing === 'spot');
  const onDemand = current.filter((r) => r.pricing === 'on_demand');
  let wantSpot = 0;
  let wantOnDemand = target;
  if (useSpot) {
    const base = Math.min(policy.base_ondemand_fallback_replicas, target);
    wantSpot = target - base;
    const readySpot = spot.filter((r) => r.status === 'READY').length;
    const dynamic = policy.dynamic_ondemand_fallback
      ? Math.max(0, wantSpot - Math.min(readySpot, wantSpot))
      : 0;
    wantOnDemand = base + dynamic;
  }
  const plan: ReplicaPlan = { launch: [], shutdown: [] };
  for (let i = spot.length; i < wantSpot; i++) plan.launch.push({ pricing: 'spot' });
  for (let i = onDemand.length; i < wantOnDemand; i++) plan.launch.push({ pricing: 'on_demand' });
  plan.shutdown.push(...excess(spot, wantSpot), ...excess(onDemand, wantOnDemand));
  return plan;
}

/** The `count - keep` least useful replicas: by scale-down order, then newest first. */
function excess(replicas: PlannedReplica[], keep: number): number[] {
  if (replicas.length <= keep) return [];
  const rank = (s: ReplicaStatus) => SCALE_DOWN_ORDER.indexOf(s);
  return [...replicas]
    .sort((a, b) => rank(a.status) - rank(b.status) || b.id - a.id)
    .slice(0, replicas.length - keep)
    .map((r) => r.id);
}
