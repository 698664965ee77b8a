import { BarChart } from '../../components/charts';
import { Badge, Card, EmptyState, ErrorState, PageHeader, Table } from '../../components/ui';
import { usePoll } from '../../lib/use-api';
import { Capacity, Zone } from './compute-types';

export function ZonesPage() {
  const zones = usePoll<Zone[]>('/v1/zones', 5000);
  const capacities = usePoll<Capacity[]>('/v1/capacities', 5000);
  return (
    <>
      <PageHeader
        title="Zones & capacities"
        description="Where compute is, and the pools of compute time you hold in each zone."
      />
      <Card title="Zones">
        {zones.error ? (
          <ErrorState error={zones.error} onRetry={zones.reload} />
        ) : (
          <Table
            label="zones"
            rows={zones.data}
            rowKey={(z) => z.name}
            empty={
              <EmptyState title="No zones yet">
                Zones appear when nodes enroll or capacities name them.
              </EmptyState>
            }
            columns={[
              { header: 'Zone', cell: (z) => z.name },
              { header: 'Region', cell: (z) => z.region },
              {
                header: 'Available',
                cell: (z) => (
                  <Badge tone={z.available ? 'green' : 'neutral'}>
                    {z.available ? 'available' : 'unavailable'}
                  </Badge>
                ),
              },
              { header: 'Nodes', cell: (z) => z.available_capacity },
              { header: 'Hardware', cell: (z) => z.hardware_type },
              { header: 'Interconnect', cell: (z) => z.interconnect_type },
            ]}
          />
        )}
      </Card>
      {zones.data && zones.data.length > 0 && (
        <Card title="Schedulable nodes per zone">
          <BarChart
            labels={zones.data.map((z) => z.name)}
            series={[
              { label: 'Schedulable nodes', data: zones.data.map((z) => z.available_capacity) },
            ]}
            height={180}
            ariaLabel="schedulable nodes per zone"
          />
        </Card>
      )}
      <Card title="Capacities">
        {capacities.error ? (
          <ErrorState error={capacities.error} onRetry={capacities.reload} />
        ) : (
          <Table
            label="capacities"
            rows={capacities.data}
            rowKey={(c) => c.id}
            empty={
              <EmptyState title="No capacities yet">
                Create one with `nanopod capacities create`.
              </EmptyState>
            }
            columns={[
              { header: 'Name', cell: (c) => c.name },
              { header: 'Zone', cell: (c) => c.zone },
              { header: 'Instance type', cell: (c) => c.instance_type },
              { header: 'Cluster', cell: (c) => c.cluster },
              { header: 'Spot', cell: (c) => (c.spot ? 'spot' : 'on-demand') },
              { header: 'Nodes', cell: (c) => `${c.min_nodes}..${c.max_nodes}` },
              {
                header: 'Held ahead (nodes per hour)',
                cell: (c) => (c.coverage && c.coverage.length > 0 ? c.coverage.join(' · ') : '—'),
              },
            ]}
          />
        )}
      </Card>
    </>
  );
}
