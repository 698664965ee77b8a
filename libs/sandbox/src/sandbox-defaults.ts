import type { CreateSandboxInput } from './services/sandboxes.service';

/**
 * What a sandbox gets for what its creator leaves out, whoever creates it (API, CLI, dashboard,
 * serving): one place, also read by the API documentation.
 */
export const SANDBOX_DEFAULTS = {
  runtime: 'bwrap',
  cpu: 1,
  memoryMb: 512,
  gpus: 0,
  gpuType: null,
  ttlSeconds: 3600,
  idleTimeoutSeconds: 900,
  network: 'none',
  workloadClass: 'latency_tolerant',
} as const satisfies Partial<CreateSandboxInput>;

type Defaulted = keyof typeof SANDBOX_DEFAULTS;

/** A create request: the defaulted fields (and env) may be left out. */
export type CreateSandboxRequest = Omit<CreateSandboxInput, Defaulted | 'env'> &
  Partial<Pick<CreateSandboxInput, Defaulted | 'env'>>;

export function withSandboxDefaults(request: CreateSandboxRequest): CreateSandboxInput {
  const defined = Object.fromEntries(
    Object.entries(request).filter(([, v]) => v !== undefined),
  ) as CreateSandboxRequest;
  return { ...SANDBOX_DEFAULTS, env: {}, ...defined };
}
