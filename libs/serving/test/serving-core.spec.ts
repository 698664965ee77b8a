import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// The pure core, imported directly: this suite needs no Nest module graph.
import { nextTarget, planReplicas } from '../src/core/autoscaler';
import { parseServiceSpec, ReplicaPolicy } from '../src/core/service-spec';
import { ReplicaStatus, serviceStatusOf } from '../src/core/states';
import { InvalidSpecError } from '../src/serving.errors';
import { servingPath } from '../src/http/proxy.registrar';

const SEED = `
service:
  readiness_probe: {path: /health, initial_delay_seconds: 1200, timeout_seconds: 15}
  replica_policy:
    min_replicas: 2
    max_replicas: 3
    target_qps_per_replica: 1
    upscale_delay_seconds: 300
    downscale_delay_seconds: 1200
    base_ondemand_fallback_replicas: 1
    dynamic_ondemand_fallback: true
  load_balancing_policy: least_load
resources: {ports: 8081, cpus: 2+, use_spot: true}
run: python3 server.py
`;

function fieldsOf(spec: string): Record<string, string[]> {
  try {
    parseServiceSpec(spec);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidSpecError);
    const details = (err as InvalidSpecError).details as Record<string, unknown>;
    const fields = details.fields as Array<{
      field: string;
      problems: string[];
    }>;
    return Object.fromEntries(fields.map((f) => [f.field, f.problems]));
  }
  throw new Error('spec was accepted');
}

describe('the service spec', () => {
  it("reads SkyServe's reference spec", () => {
    const spec = parseServiceSpec(SEED);
    expect(spec.service.readiness_probe).toEqual({
      path: '/health',
      post_data: null,
      initial_delay_seconds: 1200,
      timeout_seconds: 15,
    });
    expect(spec.service.replica_policy).toMatchObject({
      min_replicas: 2,
      max_replicas: 3,
      target_qps_per_replica: 1,
      base_ondemand_fallback_replicas: 1,
      dynamic_ondemand_fallback: true,
    });
    expect(spec.resources).toMatchObject({ port: 8081, cpus: 2, use_spot: true });
    expect(spec.run).toBe('python3 server.py');
  });

  it('takes a path as the probe and a fixed replica count', () => {
    const spec = parseServiceSpec(
      'service: {readiness_probe: /ready, replicas: 3}\nresources: {ports: [9000]}\nrun: x',
    );
    expect(spec.service.readiness_probe.path).toBe('/ready');
    expect(spec.service.replica_policy).toMatchObject({ min_replicas: 3, max_replicas: 3 });
    expect(spec.service.load_balancing_policy).toBe('least_load');
  });

  it('names every bad field at once', () => {
    const fields = fieldsOf(`
service:
  readiness_probe: {path: health, timeout_seconds: -1, colour: red}
  replica_policy: {min_replicas: 3, max_replicas: 2, dynamic_ondemand_fallback: true}
  load_balancing_policy: random
resources: {ports: 80, memory: lots}
envs: {"1BAD": x}
`);
    expect(Object.keys(fields).sort()).toEqual(
      [
        'envs.1BAD',
        'resources.memory',
        'resources.ports',
        'run',
        'service.load_balancing_policy',
        'service.readiness_probe.colour',
        'service.readiness_probe.path',
        'service.readiness_probe.timeout_seconds',
        'service.replica_policy.dynamic_ondemand_fallback',
        'service.replica_policy.max_replicas',
        'service.replica_policy.target_qps_per_replica',
      ].sort(),
    );
    expect(fields['service.replica_policy.dynamic_ondemand_fallback']).toEqual([
      'needs resources.use_spot: true',
    ]);
  });

  it('refuses replicas with a replica policy, and YAML that does not parse', () => {
    expect(
      fieldsOf(
        'service: {replicas: 1, replica_policy: {min_replicas: 1}}\nresources: {ports: 8080}\nrun: x',
      ),
    ).toHaveProperty(['service.replicas']);
    expect(fieldsOf('service: [\nrun: x')).toHaveProperty(['spec']);
  });
});

const policy = (over: Partial<ReplicaPolicy> = {}): ReplicaPolicy => ({
  min_replicas: 1,
  max_replicas: 5,
  target_qps_per_replica: 2,
  upscale_delay_seconds: 10,
  downscale_delay_seconds: 30,
  base_ondemand_fallback_replicas: 0,
  dynamic_ondemand_fallback: false,
  scale_to_zero_delay_seconds: 60,
  ...over,
});

describe('the autoscaler', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000);

  it('scales to ceil(qps / target) after the upscale delay, clamped to max', () => {
    let state = { target: 1, upSince: null as string | null, downSince: null as string | null };
    state = nextTarget(policy(), state, { qps: 7, waiting: 0, now: at(0) });
    expect(state.target).toBe(1);
    state = nextTarget(policy(), state, { qps: 7, waiting: 0, now: at(9) });
    expect(state.target).toBe(1);
    state = nextTarget(policy(), state, { qps: 7, waiting: 0, now: at(10) });
    expect(state.target).toBe(4);
    state = nextTarget(policy(), state, { qps: 100, waiting: 0, now: at(11) });
    state = nextTarget(policy(), state, { qps: 100, waiting: 0, now: at(21) });
    expect(state.target).toBe(5);
  });

  it('scales down only after the downscale delay, and a dip resets the wait', () => {
    let state = { target: 4, upSince: null as string | null, downSince: null as string | null };
    state = nextTarget(policy(), state, { qps: 1, waiting: 0, now: at(0) });
    state = nextTarget(policy(), state, { qps: 8, waiting: 0, now: at(20) });
    expect(state.downSince).toBeNull();
    state = nextTarget(policy(), state, { qps: 1, waiting: 0, now: at(21) });
    state = nextTarget(policy(), state, { qps: 1, waiting: 0, now: at(50) });
    expect(state.target).toBe(4);
    state = nextTarget(policy(), state, { qps: 1, waiting: 0, now: at(51) });
    expect(state.target).toBe(1);
  });

  it('goes to zero after the scale-to-zero delay and back to one at once for a waiting request', () => {
    const p = policy({ min_replicas: 0 });
    let state = { target: 1, upSince: null as string | null, downSince: null as string | null };
    state = nextTarget(p, state, { qps: 0, waiting: 0, now: at(0) });
    state = nextTarget(p, state, { qps: 0, waiting: 0, now: at(60) });
    expect(state.target).toBe(0);
    state = nextTarget(p, state, { qps: 0.02, waiting: 1, now: at(61) });
    expect(state.target).toBe(1);
  });
});

describe('spot placement with on-demand fallbacks', () => {
  const r = (id: number, status: ReplicaStatus, pricing: 'spot' | 'on_demand') => ({
    id,
    status,
    pricing,
    version: 1,
  });
  const dyn = policy({ dynamic_ondemand_fallback: true });

  it("follows the seed's walkthrough (target 2, dynamic fallback)", () => {
    expect(planReplicas(dyn, true, 2, 1, []).launch.map((l) => l.pricing)).toEqual([
      'spot',
      'spot',
      'on_demand',
      'on_demand',
    ]);
    const ready = [
      r(1, 'READY', 'spot'),
      r(2, 'READY', 'spot'),
      r(3, 'PROVISIONING', 'on_demand'),
      r(4, 'READY', 'on_demand'),
    ];
    // Spot is READY: the on-demand fallbacks go, the one not serving first.
    expect(planReplicas(dyn, true, 2, 1, ready)).toEqual({ launch: [], shutdown: [3, 4] });
    const preempted = [r(1, 'PREEMPTED', 'spot'), r(2, 'READY', 'spot')];
    expect(planReplicas(dyn, true, 2, 1, preempted).launch.map((l) => l.pricing)).toEqual([
      'spot',
      'on_demand',
    ]);
  });

  it('keeps the base on-demand replicas whatever spot does', () => {
    const p = policy({ base_ondemand_fallback_replicas: 1 });
    const plan = planReplicas(p, true, 3, 1, [r(1, 'READY', 'spot'), r(2, 'READY', 'spot')]);
    expect(plan.launch).toEqual([{ pricing: 'on_demand' }]);
    expect(planReplicas(p, false, 2, 1, []).launch).toEqual([
      { pricing: 'on_demand' },
      { pricing: 'on_demand' },
    ]);
  });
});

describe('the service status', () => {
  it("is SkyServe's rule over the replicas", () => {
    expect(serviceStatusOf([])).toBe('NO_REPLICA');
    expect(serviceStatusOf([{ status: 'PROVISIONING' }])).toBe('NO_REPLICA');
    expect(serviceStatusOf([{ status: 'STARTING' }])).toBe('REPLICA_INIT');
    expect(serviceStatusOf([{ status: 'STARTING' }, { status: 'READY' }])).toBe('READY');
    expect(serviceStatusOf([{ status: 'FAILED_PROBING' }])).toBe('FAILED');
  });
});

describe('the serving example', () => {
  it('is a valid spec: scale to zero, least load, the port it serves on', () => {
    const text = readFileSync(join(__dirname, '../../../examples/serving/service.yaml'), 'utf8');
    const spec = parseServiceSpec(text);
    expect(spec.service.replica_policy).toMatchObject({ min_replicas: 0, max_replicas: 3 });
    expect(spec.resources.port).toBe(8080);
    expect(spec.setup).toContain('server.js');
  });
});

describe('the load balancer mount', () => {
  it('takes /s and what is under it, and leaves every other path to the app', () => {
    expect(servingPath('/s/api/v1/x?y=1')).toBe('/api/v1/x?y=1');
    expect(servingPath('/s/api')).toBe('/api');
    expect(servingPath('/s')).toBe('/');
    expect(servingPath('/s?x=1')).toBe('/?x=1');
    for (const other of ['/sandboxes', '/s-x/api', '/v1/services', '/', '', '/S/api']) {
      expect(servingPath(other)).toBeNull();
    }
  });
});
