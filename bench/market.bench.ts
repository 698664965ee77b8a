/**
 * `npm run bench:market [-- --json FILE] [--orders N]`: the market's matcher and the compute
 * placement filter, in process (no database: the hot path has none).
 *
 * - match: a book of one (zone, instance type) holding 10,000 resting orders (5,000 sells
 *   above 5,000 buys, windows over two days); each measured order crosses it (a buy taking
 *   sells, or a sell completing a resting buy); after each, what it consumed is replenished
 *   so the book stays at 10,000. `match_per_s` counts the crossing orders over the whole wall
 *   time, replenishing included (`match_per_cpu_s` divides by the process's CPU time instead,
 *   which a loaded machine disturbs less). Baseline: a naive matcher that scans and sorts
 *   every sell per block.
 * - placement: over 1,000 nodes through the shipped placement policy (Rego, `policies/`):
 *   hard limits in TypeScript, then the policy's verdict per kind of node, then best fit;
 *   baseline: the policy evaluated for every node that passes the hard limits, then a sort.
 */
import { BookOrder, OrderBook } from '@nanopod/market';
import { placeNode, PlacementAsk, PlacementNode } from '@nanopod/compute';
import { PlacementJudge, placementNodeKey, PlacementSubject } from '@nanopod/policy';
import { Engine, loadRegoDir } from '@nanopod/rego';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseBenchArgs, printTable, summarize, writeBenchJson } from './lib/bench-args';

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const H0 = 500_000;
const FLAGS = { ioc: false, postOnly: false };
let seq = 0;
const r = rng(7);
const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

function restingSell(): BookOrder {
  const start = H0 + int(0, 40);
  seq++;
  return {
    id: `s${seq}`,
    seq,
    side: 'sell',
    ownerId: `p${int(0, 50)}`,
    ownerKind: 'partner',
    nodes: int(2, 8),
    startHour: start,
    endHour: start + int(4, 8),
    priceCents: int(100, 199),
    flags: FLAGS,
  };
}
function restingBuy(): BookOrder {
  const start = H0 + int(0, 40);
  seq++;
  return {
    id: `b${seq}`,
    seq,
    side: 'buy',
    ownerId: `u${int(0, 500)}`,
    ownerKind: 'user',
    nodes: int(1, 4),
    startHour: start,
    endHour: start + int(1, 4),
    priceCents: int(1, 99),
    flags: FLAGS,
  };
}
function crossingBuy(): BookOrder {
  const start = H0 + int(2, 38);
  seq++;
  return {
    id: `x${seq}`,
    seq,
    side: 'buy',
    ownerId: `u${int(0, 500)}`,
    ownerKind: 'user',
    nodes: int(1, 2),
    startHour: start,
    endHour: start + int(1, 2),
    priceCents: 250,
    flags: { ioc: true, postOnly: false },
  };
}
function crossingSell(): BookOrder {
  const start = H0 + int(0, 40);
  seq++;
  return {
    id: `y${seq}`,
    seq,
    side: 'sell',
    ownerId: `p${int(0, 50)}`,
    ownerKind: 'partner',
    nodes: 4,
    startHour: start,
    endHour: start + 6,
    priceCents: int(40, 99),
    flags: { ioc: true, postOnly: false },
  };
}

/** Baseline: every buy scans all sells, per block filtering and sorting them. */
class NaiveBook {
  sells: { o: BookOrder; rem: number[] }[] = [];
  add(o: BookOrder) {
    this.sells.push({ o, rem: new Array(o.endHour - o.startHour).fill(o.nodes) });
  }
  buy(b: BookOrder): boolean {
    const plan: { s: { o: BookOrder; rem: number[] }; h: number; n: number }[] = [];
    for (let h = b.startHour; h < b.endHour; h++) {
      const at = this.sells
        .filter(
          (s) =>
            s.o.startHour <= h &&
            h < s.o.endHour &&
            s.rem[h - s.o.startHour] > 0 &&
            s.o.priceCents <= b.priceCents,
        )
        .sort((x, y) => x.o.priceCents - y.o.priceCents || x.o.seq - y.o.seq);
      let need = b.nodes;
      for (const s of at) {
        if (need === 0) break;
        const n = Math.min(need, s.rem[h - s.o.startHour]);
        plan.push({ s, h, n });
        need -= n;
      }
      if (need > 0) return false;
    }
    for (const p of plan) p.s.rem[p.h - p.s.o.startHour] -= p.n;
    return true;
  }
}

function benchMatch(orders: number, mix: 'buy' | 'sell' | 'both' = 'both') {
  const book = new OrderBook();
  for (let i = 0; i < 5000; i++) book.place(restingSell());
  for (let i = 0; i < 5000; i++) book.place(restingBuy());
  const samples: number[] = [];
  let matched = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < orders; i++) {
    const o = mix === 'buy' || (mix === 'both' && i % 2 === 0) ? crossingBuy() : crossingSell();
    const s = process.hrtime.bigint();
    const res = book.place(o);
    samples.push(Number(process.hrtime.bigint() - s) / 1000);
    if (res.fills.length > 0) matched++;
    // Keep the book at its size: sold-out sells and filled buys come back as fresh ones.
    for (let k = 0; k < res.filledSellIds.length; k++) book.place(restingSell());
    for (let k = 0; k < res.filledBuyIds.length; k++) book.place(restingBuy());
  }
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return { samples, perS: orders / wallS, perCpuS: orders / cpuS, matched, size: book.size };
}

function benchNaive(orders: number) {
  const book = new NaiveBook();
  for (let i = 0; i < 5000; i++) book.add(restingSell());
  const samples: number[] = [];
  for (let i = 0; i < orders; i++) {
    const o = crossingBuy();
    const s = process.hrtime.bigint();
    book.buy(o);
    samples.push(Number(process.hrtime.bigint() - s) / 1000);
  }
  return samples;
}

const POLICY = new Engine().compile(
  loadRegoDir(path.join(__dirname, '../policies')).filter((m) => !m.path.endsWith('_test.rego')),
);
const SUBJECT: PlacementSubject = {
  workload_class: 'latency_tolerant',
  request: { kind: 'deployment_node', zone: null, gpu_type: null },
};

function nodes(n: number): PlacementNode[] {
  return Array.from({ length: n }, (_, i) => {
    const kind: PlacementNode['kind'] = i % 10 === 0 ? 'infiniband' : 'federated';
    const zone = `z${i % 4}`;
    const gpuModel = ['h100', 'a100', 'rtx4090'][i % 3];
    const labels: Record<string, string> = { region: `r${i % 2}` };
    if (i % 17 === 0) labels['nanopod.io/exclude'] = 'deployment_node';
    const facts = { kind, zone, gpu_models: [gpuModel], labels };
    return {
      id: `n${i}`,
      zone,
      kind,
      schedulable: r() > 0.05,
      trusted: r() > 0.02,
      gpuModel,
      freeGpus: int(0, 8),
      freeCpu: int(0, 64),
      freeMemoryMb: int(0, 512) * 1024,
      facts,
      policyKey: placementNodeKey(facts),
    };
  });
}

/**
 * Placement over 1,000 nodes through the shipped placement policy. `fast` is the service's
 * path (one judge per active policy set: the policy is evaluated once per kind of node, then
 * remembered); `cold` builds a new judge per placement (the first placement after an
 * activation); the baseline evaluates the policy for every node and sorts.
 */
function benchPlacement(iterations: number) {
  const pool = nodes(1000);
  const asks: PlacementAsk[] = Array.from({ length: 256 }, () => ({
    zone: `z${int(0, 3)}`,
    gpuModel: ['h100', 'a100', 'rtx4090'][int(0, 2)],
    gpus: int(1, 4),
    cpu: int(1, 16),
    memoryMb: int(1, 64) * 1024,
  }));
  const judge = new PlacementJudge(POLICY);
  const verdictOf = judge.forSubject(SUBJECT);
  const naive = (ask: PlacementAsk) =>
    pool
      .filter(
        (n) =>
          n.schedulable &&
          n.trusted &&
          n.zone === ask.zone &&
          n.gpuModel === ask.gpuModel &&
          n.freeGpus >= ask.gpus &&
          n.freeCpu >= ask.cpu &&
          n.freeMemoryMb >= ask.memoryMb,
      )
      .map((n) => ({ n, v: new PlacementJudge(POLICY).forSubject(SUBJECT)(n.policyKey, n.facts) }))
      .filter((x) => x.v.allow)
      .sort(
        (a, b) =>
          b.v.score - a.v.score ||
          a.n.freeGpus - b.n.freeGpus ||
          a.n.freeMemoryMb - b.n.freeMemoryMb,
      )[0]?.n ?? null;
  let mismatches = 0;
  for (const ask of asks) {
    const a = placeNode(pool, ask, verdictOf).node;
    const b = naive(ask);
    if (a?.freeGpus !== b?.freeGpus || a?.freeMemoryMb !== b?.freeMemoryMb || a?.kind !== b?.kind)
      mismatches++;
  }
  const time = (fn: (a: PlacementAsk) => unknown, n = iterations) => {
    const samples: number[] = [];
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const s = process.hrtime.bigint();
      fn(asks[i % asks.length]);
      samples.push(Number(process.hrtime.bigint() - s) / 1000);
    }
    return { samples, perS: n / (Number(process.hrtime.bigint() - t0) / 1e9) };
  };
  time((a) => placeNode(pool, a, verdictOf));
  return {
    fast: time((a) => placeNode(pool, a, verdictOf)),
    cold: time((a) => placeNode(pool, a, new PlacementJudge(POLICY).forSubject(SUBJECT)), 500),
    naive: time(naive, 100),
    mismatches,
    evaluations: judge.evaluations,
  };
}

function main(): void {
  const args = parseBenchArgs();
  const orders = Number(args.orders ?? 50_000);
  benchMatch(5000); // warm-up (JIT)
  const m = benchMatch(orders);
  const onlyBuys = benchMatch(Math.ceil(orders / 2), 'buy');
  const onlySells = benchMatch(Math.ceil(orders / 2), 'sell');
  const bs = summarize(onlyBuys.samples);
  const ss = summarize(onlySells.samples);
  const naive = summarize(benchNaive(Math.min(2000, orders)));
  const ms = summarize(m.samples);
  const p = benchPlacement(20_000);
  const ps = summarize(p.fast.samples);
  const pn = summarize(p.naive.samples);
  const pc = summarize(p.cold.samples);
  printTable(
    ['operation', 'p50 us', 'p99 us', 'per second', 'vs baseline p50'],
    [
      ['match (10k resting)', ms.p50, ms.p99, m.perS, naive.p50 / ms.p50],
      ['  crossing buys only', bs.p50, bs.p99, onlyBuys.perS, naive.p50 / bs.p50],
      ['  crossing sells only', ss.p50, ss.p99, onlySells.perS, naive.p50 / ss.p50],
      ['baseline: naive matcher', naive.p50, naive.p99, 1e6 / naive.mean, 1],
      ['placement via policy (1,000 nodes)', ps.p50, ps.p99, p.fast.perS, pn.p50 / ps.p50],
      ['  first after an activation', pc.p50, pc.p99, p.cold.perS, pn.p50 / pc.p50],
      ['baseline: policy per node + sort', pn.p50, pn.p99, p.naive.perS, 1],
    ],
  );
  process.stdout.write(
    `\ncrossing orders: ${orders}, of which matched: ${m.matched}; book size after: ${m.size}\n` +
      `placement mismatches vs baseline: ${p.mismatches}; ` +
      `policy evaluations for ${p.fast.samples.length * 2 + 256} warm placements: ${p.evaluations}\n` +
      `match per CPU-second (this process's own CPU time, steadier on a shared machine): ` +
      `${Math.round(m.perCpuS)}; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores\n` +
      `goal: >= 50,000 matches/s, p99 < 1000 us\n`,
  );
  writeBenchJson(args.json, 'market', {
    match_per_s: m.perS,
    match_per_cpu_s: m.perCpuS,
    match_p50_us: ms.p50,
    match_p99_us: ms.p99,
    naive_match_p50_us: naive.p50,
    placements_per_s: p.fast.perS,
    placement_p99_us: ps.p99,
    placement_cold_p50_us: pc.p50,
  });
  if (p.mismatches > 0) process.exitCode = 1;
}

main();
