import { SANDBOX_DEFAULTS, withSandboxDefaults } from '../src/sandbox-defaults';

describe('sandbox defaults', () => {
  it('fills what the request leaves out, undefined included, and keeps what it gives', () => {
    const input = withSandboxDefaults({
      cpu: 2,
      memoryMb: undefined,
      network: 'egress',
      env: { A: '1' },
    });
    expect(input).toEqual({
      ...SANDBOX_DEFAULTS,
      cpu: 2,
      network: 'egress',
      env: { A: '1' },
    });
  });

  it('gives an empty environment and the documented values for an empty request', () => {
    expect(withSandboxDefaults({})).toEqual({
      runtime: 'bwrap',
      cpu: 1,
      memoryMb: 512,
      gpus: 0,
      gpuType: null,
      ttlSeconds: 3600,
      idleTimeoutSeconds: 900,
      network: 'none',
      workloadClass: 'latency_tolerant',
      env: {},
    });
  });
});
