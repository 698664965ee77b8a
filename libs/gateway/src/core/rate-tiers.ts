/** One rate-limit tier of `policies/gateway.rego` (`requests_per_minute`). */
export interface RateTier {
  tier: string;
  requestsPerMinute: number;
}

/**
 * The request header that carries a caller's limit key for `tier`. The forward-auth answer
 * sets exactly one of them (the caller's tier) and APISIX's limit-count has one rule per tier
 * keyed on it, so only that tier's count applies. Dashes, not underscores: nginx drops header
 * names with underscores by default, and `$http_x_nanopod_limit_read_only` is how the rule
 * reads `X-Nanopod-Limit-Read-Only`.
 */
export function tierHeader(tier: string): string {
  const words = tier.split(/[_\s-]+/).filter(Boolean);
  return `X-Nanopod-Limit-${words.map((w) => w[0].toUpperCase() + w.slice(1)).join('-')}`;
}

/** The nginx variable of a header name (`X-A-B` -> `$http_x_a_b`). */
export function headerVar(header: string): string {
  return `$http_${header.toLowerCase().replace(/-/g, '_')}`;
}

/** Tier names become header names: letters, digits and underscores only. */
export function isValidTierName(tier: string): boolean {
  return /^[a-z][a-z0-9_]{0,31}$/.test(tier);
}
