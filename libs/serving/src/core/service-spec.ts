import yaml from 'js-yaml';
import { FieldProblem, InvalidSpecError } from '../serving.errors';

/** SkyServe's readiness probe: passes on HTTP 200; `post_data` makes it a POST. */
export interface ReadinessProbe {
  path: string;
  /** JSON sent as the body (any JSON value). */
  post_data: string | number | boolean | object | null;
  /** Failures are ignored this long after the replica starts (SkyServe default 1200). */
  initial_delay_seconds: number;
  timeout_seconds: number;
}

export interface ReplicaPolicy {
  min_replicas: number;
  max_replicas: number;
  /** Null: fixed at min (no autoscaling), as SkyServe without `target_qps_per_replica`. */
  target_qps_per_replica: number | null;
  upscale_delay_seconds: number;
  downscale_delay_seconds: number;
  base_ondemand_fallback_replicas: number;
  dynamic_ondemand_fallback: boolean;
  /** With min 0: no traffic this long takes the service to zero replicas. */
  scale_to_zero_delay_seconds: number;
}

export interface ServiceSpec {
  service: {
    readiness_probe: ReadinessProbe;
    replica_policy: ReplicaPolicy;
    load_balancing_policy: 'least_load' | 'round_robin';
  };
  resources: {
    /** The port `run` listens on (SkyServe's `ports`, one port). */
    port: number;
    cpus: number;
    memory_mb: number;
    /** `{type, count}` from `accelerators: L4:1` or `{L4: 1}`; null for CPU only. */
    accelerators: { type: string; count: number } | null;
    use_spot: boolean;
    /**
     * The most a spot replica pays, in cents per GPU-hour (the market's unit, as an order's
     * limit): when the zone's spot price for its GPU passes it, the replica is preempted and new
     * spot replicas keep out of that zone. Null: no limit (preempted only by its node going).
     */
    spot_max_price: number | null;
    disable_packing: boolean;
  };
  run: string;
  setup: string | null;
  envs: Record<string, string>;
}

export const SPEC_DEFAULTS = {
  initial_delay_seconds: 1200,
  timeout_seconds: 15,
  upscale_delay_seconds: 300,
  downscale_delay_seconds: 1200,
  scale_to_zero_delay_seconds: 300,
  cpus: 1,
  memory_mb: 1024,
} as const;

const MAX_REPLICAS = 64;
const MAX_SPEC_BYTES = 64 * 1024;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects every problem so one 422 names them all. */
class Problems {
  readonly list: FieldProblem[] = [];
  add(field: string, problem: string): void {
    const f = this.list.find((p) => p.field === field);
    if (f) f.problems.push(problem);
    else this.list.push({ field, problems: [problem] });
  }
  unknown(obj: Obj, prefix: string, allowed: string[]): void {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) this.add(`${prefix}${k}`, 'is not a known field');
    }
  }
}

function num(
  p: Problems,
  field: string,
  v: unknown,
  opts: { min?: number; max?: number; int?: boolean; fallback: number },
): number {
  if (v === undefined || v === null) return opts.fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    p.add(field, 'must be a number');
    return opts.fallback;
  }
  if (opts.int && !Number.isInteger(v)) p.add(field, 'must be a whole number');
  if (opts.min !== undefined && v < opts.min) p.add(field, `must be at least ${opts.min}`);
  if (opts.max !== undefined && v > opts.max) p.add(field, `must be at most ${opts.max}`);
  return v;
}

function bool(p: Problems, field: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') p.add(field, 'must be true or false');
  return v === true;
}

/** `2`, `"2"`, `"2+"` (SkyServe's "at least"): the number of CPUs asked for. */
function cpus(p: Problems, v: unknown): number {
  if (v === undefined || v === null) return SPEC_DEFAULTS.cpus;
  const m = typeof v === 'number' ? [String(v), String(v)] : /^(\d+(?:\.\d+)?)\+?$/.exec(String(v));
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isFinite(n) || n <= 0 || n > 256) {
    p.add('resources.cpus', 'must be a positive number like 2 or "2+"');
    return SPEC_DEFAULTS.cpus;
  }
  return n;
}

/** `4` (GiB), `"4+"`, `"512Mi"`, `"4Gi"`: memory in MiB. */
function memory(p: Problems, v: unknown): number {
  if (v === undefined || v === null) return SPEC_DEFAULTS.memory_mb;
  const m = /^(\d+(?:\.\d+)?)\s*(Mi|Gi|M|G)?\+?$/.exec(String(v));
  if (!m) {
    p.add('resources.memory', 'must be GiB (a number) or a size like "512Mi" or "4Gi"');
    return SPEC_DEFAULTS.memory_mb;
  }
  const mb = Math.ceil(Number(m[1]) * (m[2]?.startsWith('M') ? 1 : 1024));
  if (mb < 64 || mb > 1024 * 1024) p.add('resources.memory', 'must be between 64Mi and 1024Gi');
  return mb;
}

function accelerators(p: Problems, v: unknown): ServiceSpec['resources']['accelerators'] {
  if (v === undefined || v === null) return null;
  let type: string;
  let count: number;
  if (typeof v === 'string') {
    const [t, c] = v.split(':');
    type = t;
    count = c === undefined ? 1 : Number(c);
  } else if (isObj(v) && Object.keys(v).length === 1) {
    type = Object.keys(v)[0];
    count = Number(Object.values(v)[0]);
  } else {
    p.add('resources.accelerators', 'must be "TYPE:COUNT" or {TYPE: COUNT}');
    return null;
  }
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(type)) p.add('resources.accelerators', 'has a bad GPU type');
  if (!Number.isInteger(count) || count < 1 || count > 16) {
    p.add('resources.accelerators', 'count must be 1-16');
  }
  return { type: type.toLowerCase(), count };
}

function spotMaxPrice(p: Problems, res: Record<string, unknown>, useSpot: boolean): number | null {
  const v = res.spot_max_price;
  if (v === undefined || v === null) return null;
  const f = 'resources.spot_max_price';
  if (!useSpot) p.add(f, 'needs resources.use_spot: true');
  if (res.accelerators === undefined || res.accelerators === null) {
    p.add(f, 'is per GPU-hour: needs resources.accelerators');
  }
  return num(p, f, v, { min: 1, max: 1_000_000, int: true, fallback: 1 });
}

function probe(p: Problems, v: unknown): ReadinessProbe {
  const base: ReadinessProbe = {
    path: '/',
    post_data: null,
    initial_delay_seconds: SPEC_DEFAULTS.initial_delay_seconds,
    timeout_seconds: SPEC_DEFAULTS.timeout_seconds,
  };
  if (v === undefined || v === null) return base;
  const f = 'service.readiness_probe';
  if (typeof v === 'string') return { ...base, path: checkPath(p, `${f}`, v) };
  if (!isObj(v)) {
    p.add(f, 'must be a path or {path, post_data, initial_delay_seconds, timeout_seconds}');
    return base;
  }
  p.unknown(v, `${f}.`, ['path', 'post_data', 'initial_delay_seconds', 'timeout_seconds']);
  return {
    path: checkPath(p, `${f}.path`, v.path ?? '/'),
    post_data: (v.post_data ?? null) as ReadinessProbe['post_data'],
    initial_delay_seconds: num(p, `${f}.initial_delay_seconds`, v.initial_delay_seconds, {
      min: 0,
      max: 86400,
      fallback: base.initial_delay_seconds,
    }),
    timeout_seconds: num(p, `${f}.timeout_seconds`, v.timeout_seconds, {
      min: 0.1,
      max: 600,
      fallback: base.timeout_seconds,
    }),
  };
}

function checkPath(p: Problems, field: string, v: unknown): string {
  if (typeof v !== 'string' || !/^\/[\x21-\x7e]*$/.test(v) || v.length > 1024) {
    p.add(field, 'must be a path starting with /');
    return '/';
  }
  return v;
}

function replicaPolicy(p: Problems, svc: Obj, useSpot: boolean): ReplicaPolicy {
  const fixed = svc.replicas;
  const rp = svc.replica_policy;
  if (fixed !== undefined && rp !== undefined) {
    p.add('service.replicas', 'and service.replica_policy cannot both be given');
  }
  const defaults: ReplicaPolicy = {
    min_replicas: 1,
    max_replicas: 1,
    target_qps_per_replica: null,
    upscale_delay_seconds: SPEC_DEFAULTS.upscale_delay_seconds,
    downscale_delay_seconds: SPEC_DEFAULTS.downscale_delay_seconds,
    base_ondemand_fallback_replicas: 0,
    dynamic_ondemand_fallback: false,
    scale_to_zero_delay_seconds: SPEC_DEFAULTS.scale_to_zero_delay_seconds,
  };
  if (fixed !== undefined) {
    const n = num(p, 'service.replicas', fixed, {
      min: 0,
      max: MAX_REPLICAS,
      int: true,
      fallback: 1,
    });
    return { ...defaults, min_replicas: n, max_replicas: n };
  }
  if (rp === undefined) return defaults;
  if (!isObj(rp)) {
    p.add('service.replica_policy', 'must be a mapping');
    return defaults;
  }
  const f = 'service.replica_policy';
  p.unknown(rp, `${f}.`, Object.keys(defaults));
  const min = num(p, `${f}.min_replicas`, rp.min_replicas, {
    min: 0,
    max: MAX_REPLICAS,
    int: true,
    fallback: 1,
  });
  const max = num(p, `${f}.max_replicas`, rp.max_replicas, {
    min: 0,
    max: MAX_REPLICAS,
    int: true,
    fallback: min,
  });
  if (max < min) p.add(`${f}.max_replicas`, 'must be at least min_replicas');
  const target =
    rp.target_qps_per_replica === undefined || rp.target_qps_per_replica === null
      ? null
      : num(p, `${f}.target_qps_per_replica`, rp.target_qps_per_replica, {
          min: 0.001,
          fallback: 1,
        });
  if (target === null && rp.max_replicas !== undefined && max !== min) {
    p.add(`${f}.target_qps_per_replica`, 'is needed to autoscale between min and max');
  }
  if (min === 0 && max === 0) p.add(`${f}.max_replicas`, 'must be at least 1');
  const base = num(p, `${f}.base_ondemand_fallback_replicas`, rp.base_ondemand_fallback_replicas, {
    min: 0,
    max: MAX_REPLICAS,
    int: true,
    fallback: 0,
  });
  const dynamic = bool(p, `${f}.dynamic_ondemand_fallback`, rp.dynamic_ondemand_fallback, false);
  if ((base > 0 || dynamic) && !useSpot) {
    p.add(
      base > 0 ? `${f}.base_ondemand_fallback_replicas` : `${f}.dynamic_ondemand_fallback`,
      'needs resources.use_spot: true',
    );
  }
  const delay = (k: keyof ReplicaPolicy, fallback: number) =>
    num(p, `${f}.${k}`, rp[k], { min: 0, max: 7 * 86400, fallback });
  return {
    min_replicas: min,
    max_replicas: Math.max(max, min),
    target_qps_per_replica: target,
    upscale_delay_seconds: delay('upscale_delay_seconds', defaults.upscale_delay_seconds),
    downscale_delay_seconds: delay('downscale_delay_seconds', defaults.downscale_delay_seconds),
    base_ondemand_fallback_replicas: base,
    dynamic_ondemand_fallback: dynamic,
    scale_to_zero_delay_seconds: delay(
      'scale_to_zero_delay_seconds',
      defaults.scale_to_zero_delay_seconds,
    ),
  };
}

/**
 * Parses and checks a service spec (YAML or an already-parsed object) in SkyServe's shape.
 * Every problem is collected and thrown at once as a 422 `serving.invalid_spec` with
 * `details.fields: [{field, problems}]`, before anything is created or started.
 *
 * @example
 * parseServiceSpec('service: {readiness_probe: /health, replicas: 2}\nresources: {ports: 8080}\nrun: node server.js');
 */
export function parseServiceSpec(input: string | unknown): ServiceSpec {
  const p = new Problems();
  let doc: unknown = input;
  if (typeof input === 'string') {
    if (Buffer.byteLength(input) > MAX_SPEC_BYTES) {
      throw new InvalidSpecError([{ field: 'spec', problems: ['is larger than 64 KiB'] }]);
    }
    try {
      doc = yaml.load(input, { schema: yaml.CORE_SCHEMA });
    } catch (err) {
      const mark = (err as { mark?: { line: number; column: number } }).mark;
      throw new InvalidSpecError([
        {
          field: 'spec',
          problems: [
            `is not valid YAML${mark ? ` (line ${mark.line + 1}, column ${mark.column + 1})` : ''}`,
          ],
        },
      ]);
    }
  }
  if (!isObj(doc)) throw new InvalidSpecError([{ field: 'spec', problems: ['must be a mapping'] }]);
  p.unknown(doc, '', ['service', 'resources', 'run', 'setup', 'envs', 'name']);
  const svc = isObj(doc.service) ? doc.service : {};
  if (!isObj(doc.service)) p.add('service', 'is required (a mapping)');
  p.unknown(svc, 'service.', [
    'readiness_probe',
    'replicas',
    'replica_policy',
    'load_balancing_policy',
  ]);
  const res = isObj(doc.resources) ? doc.resources : {};
  if (doc.resources !== undefined && !isObj(doc.resources)) p.add('resources', 'must be a mapping');
  p.unknown(res, 'resources.', [
    'ports',
    'cpus',
    'memory',
    'accelerators',
    'use_spot',
    'spot_max_price',
    'disable_packing',
  ]);
  const ports = Array.isArray(res.ports) ? res.ports : [res.ports];
  if (res.ports === undefined) p.add('resources.ports', 'is required: the port `run` listens on');
  else if (ports.length !== 1) p.add('resources.ports', 'must be one port');
  const port = num(p, 'resources.ports', ports[0] === undefined ? undefined : Number(ports[0]), {
    min: 1024,
    max: 65535,
    int: true,
    fallback: 8080,
  });
  const useSpot = bool(p, 'resources.use_spot', res.use_spot, false);
  const lb = svc.load_balancing_policy ?? 'least_load';
  if (lb !== 'least_load' && lb !== 'round_robin') {
    p.add('service.load_balancing_policy', 'must be least_load or round_robin');
  }
  if (typeof doc.run !== 'string' || !doc.run.trim()) p.add('run', 'is required (a command)');
  if (doc.setup !== undefined && doc.setup !== null && typeof doc.setup !== 'string') {
    p.add('setup', 'must be a command');
  }
  const envs: Record<string, string> = {};
  if (doc.envs !== undefined && doc.envs !== null) {
    if (!isObj(doc.envs)) p.add('envs', 'must be a mapping of NAME: value');
    else {
      for (const [k, v] of Object.entries(doc.envs)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(k)) p.add(`envs.${k}`, 'is not a valid name');
        else if (['string', 'number', 'boolean'].includes(typeof v)) envs[k] = String(v);
        else p.add(`envs.${k}`, 'must be a string, number or boolean');
      }
    }
  }
  const spec: ServiceSpec = {
    service: {
      readiness_probe: probe(p, svc.readiness_probe),
      replica_policy: replicaPolicy(p, svc, useSpot),
      load_balancing_policy: lb === 'round_robin' ? 'round_robin' : 'least_load',
    },
    resources: {
      port,
      cpus: cpus(p, res.cpus),
      memory_mb: memory(p, res.memory),
      accelerators: accelerators(p, res.accelerators),
      use_spot: useSpot,
      spot_max_price: spotMaxPrice(p, res, useSpot),
      disable_packing: bool(p, 'resources.disable_packing', res.disable_packing, false),
    },
    run: typeof doc.run === 'string' ? doc.run : '',
    setup: typeof doc.setup === 'string' ? doc.setup : null,
    envs,
  };
  if (p.list.length) throw new InvalidSpecError(p.list);
  return spec;
}
