import { NanopodConfig } from '@nanopod/common';

export type ReputationConfig = NonNullable<NanopodConfig['reputation']>;

/** The reputation settings, with the defaults of load-config when a hand-made config omits them. */
export function reputationConfig(config: NanopodConfig): ReputationConfig {
  return (
    config.reputation ?? {
      github: {},
      passport: {},
      httpTimeoutMs: 10_000,
      maxRateLimitWaitMs: 30_000,
      refreshIntervalMs: 15 * 60_000,
      staleAfterMs: 24 * 3600_000,
      refreshCooldownMs: 60_000,
    }
  );
}
