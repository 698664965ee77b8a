import { readdirSync, readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { buildDesiredConfig } from '@nanopod/gateway';

/**
 * deploy/ checked without Docker or Helm on the machine: the compose file against the
 * essentials of the Compose specification (what `docker compose config` would refuse, and what
 * would start but never work: a dependency on a missing service, an undeclared named volume, a
 * variable missing from .env.example), and the Helm chart structurally (helm is not installed
 * here: each template, with its actions replaced by placeholders, must be a Kubernetes object,
 * and every `.Values` path it reads must exist in values.yaml).
 */
const deploy = path.join(__dirname, '../../deploy');
const read = (f: string) => readFileSync(path.join(deploy, f), 'utf8');
type Obj = Record<string, any>;

const DURATION = /^(\d+(ms|s|m|h))+$/;
const TOP_LEVEL = new Set(['name', 'services', 'volumes', 'networks', 'secrets', 'configs']);
const CONDITIONS = new Set([
  'service_started',
  'service_healthy',
  'service_completed_successfully',
]);

/** Applies YAML merge keys (`<<: *anchor`) as Compose does; the parser keeps them as keys. */
function merged(v: any): any {
  if (Array.isArray(v)) return v.map(merged);
  if (v === null || typeof v !== 'object') return v;
  const out: Obj = {};
  const base = v['<<'];
  for (const b of Array.isArray(base) ? base : base ? [base] : []) Object.assign(out, merged(b));
  for (const [k, x] of Object.entries(v)) if (k !== '<<') out[k] = merged(x);
  return out;
}

describe('deploy/docker-compose.yml', () => {
  const compose = merged(load(read('docker-compose.yml'))) as Obj;
  const services = compose.services as Record<string, Obj>;

  it('uses only Compose top-level keys (extensions start with x-)', () => {
    for (const key of Object.keys(compose)) {
      expect([key, TOP_LEVEL.has(key) || key.startsWith('x-')]).toEqual([key, true]);
    }
  });

  it('runs the whole stack: two platform replicas, PostgreSQL, Keycloak, APISIX with etcd, Lago and a node agent', () => {
    for (const name of [
      'platform-1',
      'platform-2',
      'migrate',
      'postgres',
      'keycloak',
      'etcd',
      'apisix',
      'lago-db',
      'lago-redis',
      'lago-api',
      'lago-worker',
      'lago-front',
      'node-agent',
    ]) {
      expect([name, !!services[name]]).toEqual([name, true]);
    }
    const platforms = Object.entries(services).filter(
      ([n, s]) => s.image === 'nanopod/platform:local' && n !== 'migrate',
    );
    expect(platforms).toHaveLength(2);
    for (const [, s] of platforms) {
      expect(s.environment.DATABASE_URL).toMatch(/^postgres:\/\/.*@postgres:5432\//);
      expect(s.environment.NANOPOD_APISIX_ADMIN_URL).toBe('http://apisix:9180');
      expect(s.healthcheck.test.join(' ')).toContain('/readyz');
    }
    expect(services.keycloak.volumes).toContain(
      './keycloak/nanopod-realm.json:/opt/keycloak/data/import/nanopod-realm.json:ro',
    );
    expect(services.keycloak.command).toContain('--import-realm');
  });

  it('gives every service an image or a build, and every healthcheck the Compose shape', () => {
    for (const [name, s] of Object.entries(services)) {
      expect([name, !!(s.image || s.build)]).toEqual([name, true]);
      if (s.build)
        expect(existsSync(path.join(deploy, s.build.context, s.build.dockerfile))).toBe(true);
      const hc = s.healthcheck as Obj | undefined;
      if (!hc) continue;
      const t = hc.test;
      expect([
        name,
        typeof t === 'string' || ['CMD', 'CMD-SHELL', 'NONE'].includes(t?.[0]),
      ]).toEqual([name, true]);
      for (const k of ['interval', 'timeout', 'start_period']) {
        if (hc[k] !== undefined) expect([name, k, DURATION.test(hc[k])]).toEqual([name, k, true]);
      }
      if (hc.retries !== undefined)
        expect(Number.isInteger(hc.retries) && hc.retries > 0).toBe(true);
      for (const k of Object.keys(hc)) {
        expect([
          'test',
          'interval',
          'timeout',
          'retries',
          'start_period',
          'start_interval',
          'disable',
        ]).toContain(k);
      }
    }
  });

  it('depends only on services that exist, waiting for health where a healthcheck exists', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, spec] of Object.entries((s.depends_on ?? {}) as Record<string, Obj>)) {
        expect([name, dep, !!services[dep]]).toEqual([name, dep, true]);
        expect(CONDITIONS.has(spec.condition)).toBe(true);
        if (spec.condition === 'service_healthy')
          expect([dep, !!services[dep].healthcheck]).toEqual([dep, true]);
        if (spec.condition === 'service_completed_successfully')
          expect(services[dep].restart).toBe('no');
      }
    }
  });

  it('declares every named volume it mounts, and mounts every one it declares', () => {
    const declared = new Set(Object.keys(compose.volumes ?? {}));
    const used = new Set<string>();
    for (const [name, s] of Object.entries(services)) {
      for (const v of (s.volumes ?? []) as string[]) {
        const source = v.split(':')[0];
        if (source.startsWith('.') || source.startsWith('/')) {
          if (source.startsWith('.'))
            expect([name, existsSync(path.join(deploy, source))]).toEqual([name, true]);
          continue;
        }
        used.add(source);
        expect([name, source, declared.has(source)]).toEqual([name, source, true]);
      }
    }
    expect([...declared].sort()).toEqual([...used].sort());
  });

  it('lists every variable it needs without a default in .env.example', () => {
    const example = new Set(
      read('.env.example')
        .split('\n')
        .map((l) => /^([A-Z][A-Z0-9_]*)=/.exec(l)?.[1])
        .filter(Boolean) as string[],
    );
    const needed = [...read('docker-compose.yml').matchAll(/\$\{([A-Z][A-Z0-9_]*)(:?-[^}]*)?\}/g)]
      .filter((m) => !m[2])
      .map((m) => m[1]);
    expect(needed.length).toBeGreaterThan(5);
    for (const v of needed) expect([v, example.has(v)]).toEqual([v, true]);
  });

  it('enables in APISIX every plugin the platform syncs', () => {
    const config = load(read('apisix/config.yaml')) as Obj;
    const enabled = new Set(config.plugins as string[]);
    const desired = buildDesiredConfig({
      platformNodes: ['platform-1:8080'],
      authUrl: 'http://platform:8080/gateway/auth',
      tiers: [{ tier: 'anonymous', requestsPerMinute: 30 }],
      anonymousTier: 'anonymous',
      services: [{ id: 's1', name: 'svc', nodes: [] }],
    });
    const used = new Set(
      [...desired.routes, ...desired.global_rules].flatMap((o) => Object.keys(o.plugins)),
    );
    for (const p of used) expect([p, enabled.has(p)]).toEqual([p, true]);
    expect(config.deployment.admin.admin_key[0].key).toBe('${{APISIX_ADMIN_KEY}}');
  });
});

describe('deploy/helm/nanopod', () => {
  const chart = path.join(deploy, 'helm/nanopod');
  const values = load(readFileSync(path.join(chart, 'values.yaml'), 'utf8')) as Obj;
  const templates = readdirSync(path.join(chart, 'templates')).filter((f) => f.endsWith('.yaml'));
  const source = (f: string) => readFileSync(path.join(chart, 'templates', f), 'utf8');

  /** Template -> YAML: control lines dropped, `include … | nindent N` lines become a key, actions a placeholder. */
  function skeleton(text: string): Obj {
    const lines: string[] = [];
    for (const line of text.split('\n')) {
      const trimmed = line.trim();
      if (/^\{\{-?\s*(if|else|end|range|with|define)\b.*\}\}$/.test(trimmed)) continue;
      if (/^\{\{-?\s*(include|toYaml)\b.*\|\s*nindent\s+(\d+)\s*\}\}$/.test(trimmed)) {
        const n = Number(/nindent\s+(\d+)/.exec(trimmed)![1]);
        lines.push(`${' '.repeat(n)}rendered: x`);
        continue;
      }
      lines.push(line.replace(/"[^"\n]*\{\{[^"\n]*"/g, '"x"').replace(/\{\{-?[^}]*\}\}/g, 'x'));
    }
    return load(lines.join('\n')) as Obj;
  }

  it('has a v2 Chart.yaml with a name and a semantic version', () => {
    const meta = load(readFileSync(path.join(chart, 'Chart.yaml'), 'utf8')) as Obj;
    expect(meta).toMatchObject({ apiVersion: 'v2', name: 'nanopod', type: 'application' });
    expect(meta.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('renders every template to a Kubernetes object with apiVersion, kind and metadata.name', () => {
    const kinds = templates.map((f) => {
      const doc = skeleton(source(f));
      expect([f, typeof doc.apiVersion, typeof doc.kind, !!doc.metadata?.name]).toEqual([
        f,
        'string',
        'string',
        true,
      ]);
      return doc.kind as string;
    });
    expect(kinds.sort()).toEqual(
      [
        'ApisixRoute',
        'ConfigMap',
        'Deployment',
        'Ingress',
        'Job',
        'Secret',
        'Service',
        'ServiceMonitor',
      ].sort(),
    );
  });

  it('reads only values that values.yaml defines', () => {
    const all = [...templates, '_helpers.tpl'].map((f) => source(f)).join('\n');
    const paths = new Set([...all.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)].map((m) => m[1]));
    expect(paths.size).toBeGreaterThan(10);
    for (const p of paths) {
      const value = p
        .split('.')
        .reduce<any>((o, k) => (o === undefined ? undefined : o[k]), values);
      expect([p, value !== undefined]).toEqual([p, true]);
    }
  });

  it('gates readiness on /readyz, runs migrations as a pre-upgrade hook Job, and scrapes /metrics', () => {
    const deployment = skeleton(source('deployment.yaml'));
    const container = deployment.spec.template.spec.containers[0];
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(values.replicaCount).toBeGreaterThanOrEqual(2);
    const job = skeleton(source('migrations-job.yaml'));
    expect(job.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect(job.spec.template.spec.containers[0].command).toEqual([
      'node',
      'dist/apps/platform/src/migrate.js',
    ]);
    expect(skeleton(source('servicemonitor.yaml')).spec.endpoints[0].path).toBe('/metrics');
  });
});

describe('deploy/node-agent', () => {
  it('has a systemd unit that restarts the agent and a container recipe with the sandbox tools', () => {
    const unit = read('node-agent/nanopod-agent.service');
    expect(unit).toMatch(/^ExecStart=\/usr\/local\/bin\/nanopod-node-agent run /m);
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^WantedBy=multi-user.target$/m);
    const dockerfile = read('node-agent/Dockerfile');
    for (const pkg of ['bubblewrap', 'passt', 'nftables', 'iproute2', 'e2fsprogs'])
      expect(dockerfile).toContain(pkg);
    expect(existsSync(path.join(deploy, 'node-agent/entrypoint.sh'))).toBe(true);
  });
});
