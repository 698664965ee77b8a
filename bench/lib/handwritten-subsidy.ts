/**
 * policies/subsidy.rego written by hand in TypeScript: the baseline of `npm run bench:policy`.
 * Same input, same output (reasons sorted), rule for rule; the bench checks they agree.
 */
export interface Decision {
  allow: boolean;
  tier: string;
  rate_multiplier: number;
  max_gpu_hours: number;
  reasons: string[];
}

type Json = Record<string, unknown>;

const HIGH_REPUTATION_SCORE = 70;
const PASSPORT_RATE = 0.5;
const ALLOWED_NODE_KINDS: Record<string, string[]> = {
  latency_tolerant: ['federated', 'infiniband'],
  latency_sensitive: ['infiniband'],
};

const obj = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
const num = (v: unknown): v is number => typeof v === 'number';

export function decideSubsidy(input: Json): Decision {
  const request = obj(input.request) ?? {};
  const reputation = obj(input.reputation);
  const passport = obj(reputation?.passport);
  const usage = obj(input.usage);
  const balance = obj(input.balance);

  const reputationKnown = num(reputation?.score) && reputation?.status !== 'unknown';
  const highReputation = reputationKnown && (reputation?.score as number) >= HIGH_REPUTATION_SCORE;
  const passportPassing = passport?.passing === true;
  const passportUnknown = typeof passport?.passing !== 'boolean';

  const grantList = Array.isArray(input.grants) ? (input.grants as unknown[]) : [];
  const activeGrants = grantList
    .map(obj)
    .filter(
      (g): g is Json =>
        g !== undefined &&
        (g.status === undefined ||
          g.status === null ||
          g.status === false ||
          g.status === 'active') &&
        num(g.monthly_gpu_hours),
    );
  // `not g.status` in Rego is true when status is undefined or false.
  const grantCap = activeGrants.reduce((s, g) => s + (g.monthly_gpu_hours as number), 0);
  const grantRate = Math.min(
    ...activeGrants.map((g) => (num(g.rate_multiplier) ? g.rate_multiplier : 0)),
  );
  const usageKnown = num(usage?.month_gpu_hours);
  const grantHoursLeft = usageKnown ? grantCap - (usage?.month_gpu_hours as number) : undefined;
  const grantQualifies =
    highReputation && activeGrants.length > 0 && grantHoursLeft !== undefined && grantHoursLeft > 0;

  const tier = grantQualifies ? 'grant' : passportPassing ? 'passport' : 'standard';
  const rate = tier === 'grant' ? grantRate : tier === 'passport' ? PASSPORT_RATE : 1;
  const requestedHours = num(request.estimated_gpu_hours) ? request.estimated_gpu_hours : 0;

  const balanceKnown = num(balance?.available) && balance?.status !== 'unknown';
  const amountDue = num(request.estimated_cost) ? request.estimated_cost * rate : 0;

  const denials = new Set<string>();
  if (request.workload_class === 'latency_sensitive' && request.node_kind === 'federated') {
    denials.add('latency_sensitive_on_federated');
  }
  if (
    typeof request.node_kind === 'string' &&
    !(ALLOWED_NODE_KINDS[request.workload_class as string] ?? []).includes(request.node_kind) &&
    request.workload_class !== 'latency_sensitive'
  ) {
    denials.add('node_kind_not_allowed');
  }
  if (rate > 0 && !balanceKnown) denials.add('balance_unknown');
  if (rate > 0 && balanceKnown && (balance?.available as number) < amountDue) {
    denials.add('insufficient_balance');
  }
  const allow = denials.size === 0;

  const reasons = new Set(denials);
  if (tier === 'grant') reasons.add('grant_active_high_reputation');
  else {
    if (!reputationKnown) reasons.add('reputation_unknown');
    if (reputationKnown && !highReputation) reasons.add('reputation_below_threshold');
    if (activeGrants.length === 0) reasons.add('no_active_grant');
    if (activeGrants.length > 0 && !usageKnown) reasons.add('usage_unknown');
    if (activeGrants.length > 0 && grantHoursLeft !== undefined && grantHoursLeft <= 0) {
      reasons.add('grant_hours_exhausted');
    }
  }
  if (tier === 'passport') reasons.add('passport_passing');
  if (tier === 'standard') {
    if (passportUnknown) reasons.add('passport_unknown');
    if (!passportUnknown && !passportPassing) reasons.add('passport_not_passing');
    reasons.add('full_price');
  }
  if (rate > 0 && balanceKnown && (balance?.available as number) >= amountDue) {
    reasons.add('balance_covers_cost');
  }
  if (rate === 0) reasons.add('fully_subsidized');

  return {
    allow,
    tier,
    rate_multiplier: rate,
    max_gpu_hours: !allow ? 0 : tier === 'grant' ? (grantHoursLeft as number) : requestedHours,
    reasons: [...reasons].sort(),
  };
}
