import type { components } from '../../generated/api-types';
import type { Tone } from '../../components/ui';

export type Zone = components['schemas']['ZoneDto'];
export type Capacity = components['schemas']['CapacityDto'];
export type Deployment = components['schemas']['DeploymentDto'];
export type DeploymentNode = components['schemas']['DeploymentNodeDto'];
export type Procurement = components['schemas']['ProcurementDto'];
export type Order = components['schemas']['OrderDto'];
export type OrderList = components['schemas']['OrderListDto'];
export type Depth = components['schemas']['DepthDto'];
export type SpotPrice = components['schemas']['SpotPriceDto'];
export type InstanceType = components['schemas']['InstanceTypeDto'];

/** Node states as SF Compute names them, with the tone each shows in. */
export const nodeStateTone: Record<string, Tone> = {
  awaiting_allocation: 'yellow',
  pending: 'yellow',
  running: 'green',
  released: 'neutral',
  terminated: 'neutral',
  failed: 'red',
  preempted: 'red',
};

/** Prices are cents per GPU-hour on the wire. */
export function perGpuHour(cents: number | null | undefined): string {
  if (cents === null || cents === undefined) return '—';
  return `$${(cents / 100).toFixed(2)}/GPU-h`;
}

/** Credits are cents too. */
export function credits(cents: number | null | undefined): string {
  if (cents === null || cents === undefined) return '—';
  return `$${(cents / 100).toLocaleString(undefined, { maximumFractionDigits: 2 })}`;
}

const HOUR = 3_600_000;

/**
 * Nodes per state at each hour of the last `hours`, from each node's created, started and ended
 * times: waiting from creation to start (or end), running from start to end.
 */
export function nodesOverTime(
  nodes: DeploymentNode[],
  hours: number,
  now: number = Date.now(),
): { labels: string[]; waiting: number[]; running: number[] } {
  const end = Math.ceil(now / HOUR) * HOUR;
  const labels: string[] = [];
  const waiting: number[] = [];
  const running: number[] = [];
  for (let i = hours - 1; i >= 0; i--) {
    const t = Math.min(now, end - i * HOUR);
    labels.push(new Date(t).toISOString().slice(11, 16));
    let w = 0;
    let r = 0;
    for (const n of nodes) {
      const created = Date.parse(n.created_at);
      const started = n.started_at ? Date.parse(n.started_at) : null;
      const ended = n.ended_at ? Date.parse(n.ended_at) : null;
      if (created > t || (ended !== null && ended <= t)) continue;
      if (started !== null && started <= t) r++;
      else w++;
    }
    waiting.push(w);
    running.push(r);
  }
  return { labels, waiting, running };
}
