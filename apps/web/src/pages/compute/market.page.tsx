import { useState } from 'react';
import { BarChart, LineChart } from '../../components/charts';
import { Badge, Card, EmptyState, ErrorState, PageHeader, Table, Tone } from '../../components/ui';
import { dateTime } from '../../lib/format';
import { useApi, usePoll } from '../../lib/use-api';
import {
  Capacity,
  Depth,
  InstanceType,
  OrderList,
  perGpuHour,
  SpotPrice,
  Zone,
} from './compute-types';

const orderTone: Record<string, Tone> = {
  open: 'blue',
  filled: 'green',
  pending: 'yellow',
  cancelled: 'neutral',
  expired: 'neutral',
  rejected: 'red',
};

/** Bids and asks of one block on one axis of prices, highest bid and lowest ask meeting. */
function DepthChart(props: { depth: Depth }) {
  const prices = [...new Set([...props.depth.bids, ...props.depth.asks].map((l) => l.price))].sort(
    (a, b) => a - b,
  );
  const at = (levels: Depth['bids'], p: number) => levels.find((l) => l.price === p)?.nodes ?? null;
  return (
    <BarChart
      labels={prices.map((p) => perGpuHour(p))}
      series={[
        {
          label: 'Bids (nodes)',
          data: prices.map((p) => at(props.depth.bids, p)),
          color: '#10b981',
        },
        {
          label: 'Asks (nodes)',
          data: prices.map((p) => at(props.depth.asks, p)),
          color: '#ef4444',
        },
      ]}
      unit="nodes"
      height={200}
      ariaLabel="order book depth"
    />
  );
}

export function MarketPage() {
  const zones = useApi<Zone[]>('/v1/zones');
  const types = useApi<InstanceType[]>('/v1/market/instance-types');
  const capacities = useApi<Capacity[]>('/v1/capacities');
  const [picked, setPicked] = useState<{ zone?: string; type?: string }>({});
  // Until picked: the first capacity's book, else the first zone and type.
  const zone = picked.zone ?? capacities.data?.[0]?.zone ?? zones.data?.[0]?.name;
  const type = picked.type ?? capacities.data?.[0]?.instance_type ?? types.data?.[0]?.name;
  const query = zone && type ? { zone, instance_type: type } : undefined;
  const depth = usePoll<Depth>(query ? '/v1/market/book' : null, 3000, query);
  const price = usePoll<SpotPrice>(
    query ? '/v1/market/price' : null,
    5000,
    query && { ...query, hours: 48 },
  );
  const orders = usePoll<OrderList>('/v1/orders', 3000);
  const points = price.data?.history ?? [];
  // One trade is one point, which a line does not show: hold it until now.
  const history =
    points.length === 1 ? [...points, { ...points[0], at: new Date().toISOString() }] : points;
  return (
    <>
      <PageHeader
        title="Market"
        description="The order book and spot price per zone and instance type, and your orders."
        actions={
          <span>
            <select
              className="input"
              aria-label="Zone"
              value={zone ?? ''}
              onChange={(e) => setPicked({ ...picked, zone: e.target.value, type })}
            >
              {(zones.data ?? []).map((z) => (
                <option key={z.name} value={z.name}>
                  {z.name}
                </option>
              ))}
            </select>{' '}
            <select
              className="input"
              aria-label="Instance type"
              value={type ?? ''}
              onChange={(e) => setPicked({ ...picked, zone, type: e.target.value })}
            >
              {(types.data ?? []).map((t) => (
                <option key={t.name} value={t.name}>
                  {t.name}
                </option>
              ))}
            </select>
          </span>
        }
      />
      <Card
        title="Spot price"
        actions={
          price.data && (
            <span>
              <Badge tone="blue">spot {perGpuHour(price.data.spot_price)}</Badge>{' '}
              <Badge tone="green">bid {perGpuHour(price.data.best_bid)}</Badge>{' '}
              <Badge tone="red">ask {perGpuHour(price.data.best_ask)}</Badge>
            </span>
          )
        }
      >
        {price.error ? (
          <ErrorState error={price.error} onRetry={price.reload} />
        ) : history.length === 0 ? (
          <EmptyState title="No trades yet">
            The spot price appears with the first match.
          </EmptyState>
        ) : (
          <LineChart
            labels={history.map((h) => dateTime(h.at))}
            series={[{ label: 'Spot price', data: history.map((h) => h.price / 100) }]}
            unit="$"
            height={200}
            ariaLabel={`spot price of ${type} in ${zone}`}
          />
        )}
      </Card>
      <Card title="Order book depth (current block)">
        {depth.error ? (
          <ErrorState error={depth.error} onRetry={depth.reload} />
        ) : depth.data && depth.data.bids.length + depth.data.asks.length > 0 ? (
          <DepthChart depth={depth.data} />
        ) : (
          <EmptyState title="The book is empty">No resting orders in this block.</EmptyState>
        )}
      </Card>
      <Card title="Your orders">
        {orders.error ? (
          <ErrorState error={orders.error} onRetry={orders.reload} />
        ) : (
          <Table
            label="orders"
            rows={orders.data?.data}
            rowKey={(o) => o.id}
            empty={
              <EmptyState title="No orders yet">Place one with `nanopod orders create`.</EmptyState>
            }
            columns={[
              { header: 'Side', cell: (o) => o.side },
              { header: 'Book', cell: (o) => `${o.zone} · ${o.instance_type}` },
              { header: 'Nodes', cell: (o) => o.nodes },
              { header: 'Start', cell: (o) => dateTime(o.start_at) },
              { header: 'Hours', cell: (o) => o.duration_hours },
              { header: 'Limit', cell: (o) => perGpuHour(o.price) },
              {
                header: 'Status',
                cell: (o) => <Badge tone={orderTone[o.status] ?? 'neutral'}>{o.status}</Badge>,
              },
            ]}
          />
        )}
      </Card>
    </>
  );
}
