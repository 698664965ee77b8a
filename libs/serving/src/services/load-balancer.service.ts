import { Injectable } from '@nestjs/common';
import { Clock } from '@nanopod/common';

export interface Endpoint {
  replicaId: number;
  host: string;
  port: number;
}

export interface ServiceRouting {
  serviceId: string;
  policy: 'least_load' | 'round_robin';
}

/** A request-rate window per service: one-second buckets over the last `WINDOW_S` seconds. */
const WINDOW_S = 60;

interface ServiceTraffic {
  buckets: Map<number, number>;
  /** Requests held while no replica is READY (scale from zero). */
  waiting: number;
  rr: number;
}

/**
 * The platform's load balancer state: READY endpoints per service (set by the reconciler),
 * requests in flight per replica (least load), a round-robin cursor, and the request rate the
 * autoscaler reads. In memory, per platform instance: with several instances each balances
 * its own traffic, and the rate is the leader's share (noted in the README).
 */
@Injectable()
export class LoadBalancer {
  private readonly ready = new Map<string, Endpoint[]>();
  private readonly meta = new Map<string, ServiceRouting>();
  private readonly inFlight = new Map<string, number>();
  private readonly traffic = new Map<string, ServiceTraffic>();
  private readonly readyWaiters = new Map<string, Set<() => void>>();
  private readonly listeners = new Set<(serviceName: string) => void>();

  constructor(private readonly clock: Clock) {}

  setReady(serviceName: string, endpoints: Endpoint[]): void {
    const before = keyOf(this.ready.get(serviceName) ?? []);
    if (endpoints.length) this.ready.set(serviceName, endpoints);
    else this.ready.delete(serviceName);
    if (keyOf(endpoints) !== before) for (const l of this.listeners) l(serviceName);
    if (endpoints.length) {
      for (const wake of this.readyWaiters.get(serviceName) ?? []) wake();
    }
  }

  /** READY endpoints of a service (what the gateway publishes as its upstream nodes). */
  readyOf(serviceName: string): Endpoint[] {
    return this.ready.get(serviceName) ?? [];
  }

  /** Called with the service's name whenever its READY endpoints change. */
  onReadyChange(listener: (serviceName: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A replica that just came READY, ahead of the controller's next pass. */
  addReady(serviceName: string, e: Endpoint): void {
    const list = (this.ready.get(serviceName) ?? []).filter((x) => x.replicaId !== e.replicaId);
    this.setReady(serviceName, [...list, e]);
  }

  /** What the proxy needs of a live service (set by the controller each pass). */
  setRouting(serviceName: string, routing: ServiceRouting): void {
    this.meta.set(serviceName, routing);
  }

  routing(serviceName: string): ServiceRouting | undefined {
    return this.meta.get(serviceName);
  }

  forget(serviceName: string): void {
    this.meta.delete(serviceName);
    this.ready.delete(serviceName);
    this.traffic.delete(serviceName);
  }

  /** Counts one request towards the service's rate. */
  count(serviceName: string): void {
    const t = this.trafficOf(serviceName);
    const sec = Math.floor(this.clock.now().getTime() / 1000);
    t.buckets.set(sec, (t.buckets.get(sec) ?? 0) + 1);
    if (t.buckets.size > WINDOW_S * 2) this.prune(t, sec);
  }

  /** Requests per second over the last `windowS` seconds (whole seconds before now). */
  qps(serviceName: string, windowS = WINDOW_S): number {
    const t = this.traffic.get(serviceName);
    if (!t) return 0;
    const sec = Math.floor(this.clock.now().getTime() / 1000);
    this.prune(t, sec);
    let n = 0;
    for (const [s, c] of t.buckets) if (s > sec - windowS) n += c;
    return n / windowS;
  }

  /** Requests in each of the last `seconds` seconds, oldest first (this one last). */
  rateSeries(serviceName: string, seconds = WINDOW_S): number[] {
    const t = this.traffic.get(serviceName);
    const sec = Math.floor(this.clock.now().getTime() / 1000);
    return Array.from({ length: seconds }, (_, i) => t?.buckets.get(sec - seconds + 1 + i) ?? 0);
  }

  waiting(serviceName: string): number {
    return this.traffic.get(serviceName)?.waiting ?? 0;
  }

  /** The READY endpoint for the next request, or null when none is READY. */
  pick(
    serviceName: string,
    policy: 'least_load' | 'round_robin',
    exclude?: number,
  ): Endpoint | null {
    const all = (this.ready.get(serviceName) ?? []).filter((e) => e.replicaId !== exclude);
    if (!all.length) return null;
    if (policy === 'round_robin') {
      const t = this.trafficOf(serviceName);
      t.rr = (t.rr + 1) % all.length;
      return all[t.rr];
    }
    let best = all[0];
    for (const e of all) {
      if (this.load(serviceName, e) < this.load(serviceName, best)) best = e;
    }
    return best;
  }

  begin(serviceName: string, e: Endpoint): () => void {
    const key = `${serviceName}#${e.replicaId}`;
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.inFlight.get(key) ?? 1) - 1;
      if (n <= 0) this.inFlight.delete(key);
      else this.inFlight.set(key, n);
    };
  }

  /**
   * Waits (real time: it is a caller waiting) until the service has a READY endpoint or
   * `timeoutMs` passes; counts as a waiting request for the autoscaler meanwhile.
   */
  async waitReady(serviceName: string, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    if (this.ready.get(serviceName)?.length) return true;
    const t = this.trafficOf(serviceName);
    t.waiting++;
    const waiters = this.readyWaiters.get(serviceName) ?? new Set();
    this.readyWaiters.set(serviceName, waiters);
    let wake!: () => void;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<boolean>((resolve) => {
        wake = () => resolve(true);
        waiters.add(wake);
        timer = setTimeout(() => resolve(false), timeoutMs);
        signal.addEventListener('abort', () => resolve(false), { once: true });
      });
    } finally {
      clearTimeout(timer);
      waiters.delete(wake);
      t.waiting--;
    }
  }

  private load(serviceName: string, e: Endpoint): number {
    return this.inFlight.get(`${serviceName}#${e.replicaId}`) ?? 0;
  }

  private trafficOf(serviceName: string): ServiceTraffic {
    let t = this.traffic.get(serviceName);
    if (!t) {
      t = { buckets: new Map(), waiting: 0, rr: -1 };
      this.traffic.set(serviceName, t);
    }
    return t;
  }

  private prune(t: ServiceTraffic, sec: number): void {
    for (const s of t.buckets.keys()) if (s <= sec - WINDOW_S) t.buckets.delete(s);
  }
}

function keyOf(endpoints: Endpoint[]): string {
  return endpoints
    .map((e) => `${e.replicaId}@${e.host}:${e.port}`)
    .sort()
    .join(',');
}
