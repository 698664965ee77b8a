/**
 * `npm run bench:policy [-- --json FILE] [--iterations N]`: microseconds per
 * `data.nanopod.subsidy.decision` with the Rego engine (compiled once, evaluated many times
 * with varied realistic inputs) against the same decision written by hand in TypeScript.
 * Both must agree on every input; the mismatch count is printed. A second scenario,
 * `gateway.decision`, decides API requests against 10,000 keys and 10,000 routes of base data.
 */
import { isDeepStrictEqual } from 'node:util';
import * as path from 'node:path';
import { compilePolicy, loadRegoDir } from '@nanopod/rego';
import { parseBenchArgs, printTable, summarize, writeBenchJson } from './lib/bench-args';
import { decideSubsidy } from './lib/handwritten-subsidy';
import {
  engineGateway,
  gatewayData,
  gatewayInputs,
  handwrittenGateway,
  type GatewayInput,
} from './lib/gateway-scenario';

const REF = 'data.nanopod.subsidy.decision';

/** Deterministic PRNG (mulberry32), so every run sees the same inputs. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeInputs(n: number): Record<string, unknown>[] {
  const r = rng(42);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const input: Record<string, unknown> = {
      subject: { user_id: `u${i}`, github_login: `dev${i}`, roles: ['developer'] },
      request: {
        kind: pick(['sandbox', 'deployment', 'order']),
        workload_class: pick(['latency_tolerant', 'latency_tolerant', 'latency_sensitive']),
        gpus: pick([1, 1, 2, 8]),
        gpu_type: pick(['H100', 'A100', 'L4']),
        estimated_gpu_hours: pick([0.5, 1, 2, 8, 24]),
        estimated_cost: pick([100, 800, 2400, 12000]),
        node_kind: pick([null, null, 'federated', 'infiniband']),
      },
    };
    const rep = r();
    if (rep < 0.1) input.reputation = { status: 'unknown' };
    else if (rep >= 0.15) {
      // 10..15%: no reputation part at all (no contributor yet).
      const passing = r();
      input.reputation = {
        score: Math.round(r() * 100),
        parts: {
          github: { score: Math.round(r() * 60) },
          passport: { score: Math.round(r() * 40) },
        },
        passport:
          passing < 0.15
            ? { status: 'unknown' }
            : { score: Math.round(r() * 40), passing: passing > 0.5 },
      };
    }
    const grants = r();
    if (grants < 0.1) input.grants = { status: 'unknown' };
    else if (grants < 0.6) {
      input.grants = Array.from({ length: 1 + Math.floor(r() * 2) }, (_, k) => ({
        id: `g${i}-${k}`,
        status: pick(['active', 'active', 'active', 'expired']),
        monthly_gpu_hours: pick([10, 40, 100]),
        rate_multiplier: pick([0, 0, 0.25]),
      }));
    }
    const usage = r();
    if (usage < 0.1) input.usage = { status: 'unknown' };
    else if (usage < 0.95) input.usage = { month_gpu_hours: Math.round(r() * 1200) / 10 };
    const balance = r();
    if (balance < 0.1) input.balance = { status: 'unknown' };
    else if (balance < 0.9) input.balance = { available: Math.round(r() * 20000) };
    out.push(input);
  }
  return out;
}

/**
 * Deep equality where numbers may differ in the last bits: the engine computes decimals as OPA
 * does (big.Float, so 100 - 78.4 is 21.6) and the hand-written TS in doubles (21.599999999999994).
 */
function sameDecision(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number')
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => sameDecision(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return (
      isDeepStrictEqual(ka, kb) &&
      ka.every((k) =>
        sameDecision((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
      )
    );
  }
  return isDeepStrictEqual(a, b);
}

function timeEach<I>(inputs: I[], iterations: number, fn: (i: I) => unknown): number[] {
  const samples = new Array<number>(iterations);
  for (let k = 0; k < iterations; k++) {
    const input = inputs[k % inputs.length];
    const t0 = process.hrtime.bigint();
    fn(input);
    samples[k] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  return samples;
}

function main(): void {
  const args = parseBenchArgs();
  const iterations = Number(args.iterations ?? 20_000);
  const inputs = makeInputs(2000);
  const policy = compilePolicy(loadRegoDir(path.resolve(__dirname, '..', 'policies')));
  const engine = (input: Record<string, unknown>) => policy.evaluate(REF, { input });

  let mismatches = 0;
  let example: unknown;
  for (const input of inputs) {
    const a = engine(input);
    const b = decideSubsidy(input);
    if (!sameDecision(a, b)) {
      mismatches += 1;
      example ??= { input, engine: a, handwritten: b };
    }
  }
  // Warm both paths up (JIT) before measuring.
  timeEach(inputs, Math.min(iterations, 5000), engine);
  timeEach(inputs, Math.min(iterations, 5000), decideSubsidy);

  const wallStart = process.hrtime.bigint();
  const engineSamples = timeEach(inputs, iterations, engine);
  const wallUs = Number(process.hrtime.bigint() - wallStart) / 1000;
  const handSamples = timeEach(inputs, iterations, decideSubsidy);
  const e = summarize(engineSamples);
  const h = summarize(handSamples);
  const ratio = e.p50 / h.p50;
  const perSecond = iterations / (wallUs / 1e6);

  printTable(
    ['subsidy.decision', 'p50 us', 'p99 us', 'mean us', 'n'],
    [
      ['rego engine', e.p50, e.p99, e.mean, e.n],
      ['hand-written TS', h.p50, h.p99, h.mean, h.n],
    ],
  );
  process.stdout.write(
    `\nengine / hand-written (p50): ${ratio.toFixed(1)}x (goal: within 10x)\n` +
      `engine decisions per second (one core): ${Math.round(perSecond)}\n` +
      `inputs: ${inputs.length} varied; mismatches engine vs hand-written: ${mismatches}\n`,
  );
  if (example) process.stdout.write(`first mismatch: ${JSON.stringify(example)}\n`);
  const g = gatewayScenario(iterations);
  printTable(
    ['gateway.decision', 'p50 us', 'p99 us', 'mean us', 'n'],
    [
      ['rego engine', g.engine.p50, g.engine.p99, g.engine.mean, g.engine.n],
      ['hand-written TS', g.hand.p50, g.hand.p99, g.hand.mean, g.hand.n],
    ],
  );
  process.stdout.write(
    `\ngateway engine / hand-written (p50): ${(g.engine.p50 / g.hand.p50).toFixed(1)}x; ` +
      `mismatches: ${g.mismatches}\n`,
  );
  mismatches += g.mismatches;
  writeBenchJson(args.json, 'policy', {
    gateway_p50_us: g.engine.p50,
    gateway_p99_us: g.engine.p99,
    gateway_handwritten_p50_us: g.hand.p50,
    gateway_to_handwritten: g.engine.p50 / g.hand.p50,
    engine_p50_us: e.p50,
    engine_p99_us: e.p99,
    handwritten_p50_us: h.p50,
    engine_to_handwritten: ratio,
    decisions_per_s: perSecond,
    mismatches,
  });
  if (mismatches > 0) process.exitCode = 1;
}

/** gateway.decision: 10,000 keys and 10,000 routes of base data, loaded once. */
function gatewayScenario(iterations: number) {
  const data = gatewayData(10_000);
  const inputs = gatewayInputs(4000);
  const engine = engineGateway(data);
  const hand = handwrittenGateway(data);
  let mismatches = 0;
  for (const input of inputs) if (!isDeepStrictEqual(engine(input), hand(input))) mismatches++;
  timeEach<GatewayInput>(inputs, Math.min(iterations, 5000), engine);
  timeEach<GatewayInput>(inputs, Math.min(iterations, 5000), hand);
  const engineSamples = timeEach<GatewayInput>(inputs, iterations, engine);
  const handSamples = timeEach<GatewayInput>(inputs, iterations, hand);
  return { engine: summarize(engineSamples), hand: summarize(handSamples), mismatches };
}

main();
