import { buildDesiredConfig } from '../src/core/desired-config';
import { holds, planSync, ActualState } from '../src/core/drift';
import { headerVar, tierHeader } from '../src/core/rate-tiers';

const desired = buildDesiredConfig({
  platformNodes: ['p1:8080'],
  authUrl: 'http://p1:8080/gateway/auth',
  tiers: [
    { tier: 'anonymous', requestsPerMinute: 30 },
    { tier: 'read_only', requestsPerMinute: 300 },
  ],
  anonymousTier: 'anonymous',
  services: [{ id: 's1', name: 'chat', nodes: [{ host: '10.0.0.5', port: 9000 }] }],
});

const empty = (): ActualState => ({ routes: [], upstreams: [], global_rules: [] });

describe('gateway drift planning', () => {
  it('names tier headers so nginx keeps them and limit-count can read them', () => {
    expect(tierHeader('read_only')).toBe('X-Nanopod-Limit-Read-Only');
    expect(headerVar(tierHeader('read_only'))).toBe('$http_x_nanopod_limit_read_only');
  });

  it('accepts what APISIX adds (defaults, timestamps) but not a plugin or field added by hand', () => {
    const want = { plugins: { 'forward-auth': { uri: 'u' } }, nodes: [{ host: 'a', port: 1 }] };
    expect(
      holds(want, {
        plugins: { 'forward-auth': { uri: 'u', timeout: 3000 } },
        nodes: [{ host: 'a', port: 1, priority: 0 }],
        create_time: 1,
      }),
    ).toBe(true);
    expect(
      holds(want, {
        plugins: { 'forward-auth': { uri: 'u' }, 'proxy-rewrite': {} },
        nodes: want.nodes,
      }),
    ).toBe(false);
    expect(holds(want, { plugins: { 'forward-auth': { uri: 'v' } }, nodes: want.nodes })).toBe(
      false,
    );
    expect(
      holds(want, { plugins: want.plugins, nodes: [...want.nodes, { host: 'b', port: 2 }] }),
    ).toBe(false);
  });

  it('creates upstreams before the routes that name them', () => {
    const ops = planSync(desired, empty());
    const order = ops.map((o) => `${o.resource}/${o.id}`);
    expect(order.indexOf('upstreams/nanopod-svc-s1')).toBeLessThan(
      order.indexOf('routes/nanopod-svc-s1'),
    );
    expect(order.indexOf('upstreams/nanopod-platform')).toBeLessThan(
      order.indexOf('routes/nanopod-api'),
    );
    expect(ops.every((o) => o.kind === 'put' && !('id' in o.body))).toBe(true);
  });

  it('deletes our stale routes before their upstreams, and never touches objects that are not ours', () => {
    const actual = empty();
    const ours = { labels: { 'managed-by': 'nanopod' } };
    actual.routes.push({ id: 'nanopod-svc-old', upstream_id: 'nanopod-svc-old', ...ours });
    actual.upstreams.push({ id: 'nanopod-svc-old', ...ours });
    actual.routes.push({ id: 'hand-made', uri: '/x' });
    actual.global_rules.push({ id: 'operator-rule', plugins: {} });
    const deletes = planSync(desired, actual).filter((o) => o.kind === 'delete');
    expect(deletes.map((o) => `${o.resource}/${o.id}`)).toEqual([
      'routes/nanopod-svc-old',
      'upstreams/nanopod-svc-old',
    ]);
  });

  it('plans nothing when APISIX already holds the desired objects with its defaults added', () => {
    const actual = empty();
    for (const r of ['routes', 'upstreams', 'global_rules'] as const) {
      for (const o of desired[r]) {
        const stored: Record<string, unknown> = {
          ...structuredClone(o),
          create_time: 1,
          update_time: 2,
        };
        if (r === 'routes') stored.status = 1;
        if (r === 'upstreams')
          Object.assign(stored, { scheme: 'http', pass_host: 'pass', hash_on: 'vars' });
        actual[r].push(stored as never);
      }
    }
    expect(planSync(desired, actual)).toEqual([]);
    (actual.routes[0] as Record<string, unknown>).hosts = ['evil.example'];
    expect(planSync(desired, actual).map((o) => o.id)).toEqual([actual.routes[0].id]);
  });
});
