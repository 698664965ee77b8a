import { BarChart } from '../../components/charts';
import { Badge, Card, EmptyState, ErrorState, PageHeader, Table } from '../../components/ui';
import { dateTime } from '../../lib/format';
import { usePoll } from '../../lib/use-api';
import { credits, perGpuHour, Procurement } from './compute-types';

function CoverageChart(props: { procurement: Procurement }) {
  const p = props.procurement;
  return (
    <BarChart
      labels={p.coverage.map((_, i) => (i === 0 ? 'now' : `+${i}h`))}
      series={[
        { label: 'Held', data: p.coverage },
        { label: 'Wanted', data: p.need },
      ]}
      unit="nodes"
      height={160}
      ariaLabel={`coverage ahead of ${p.name}`}
    />
  );
}

export function ProcurementsPage() {
  const { data, error, reload } = usePoll<Procurement[]>('/v1/procurements', 5000);
  return (
    <>
      <PageHeader
        title="Procurements"
        description="Loops that keep a capacity's compute time covered: what they hold ahead, pay and spend."
      />
      <Card title="Procurements">
        {error ? (
          <ErrorState error={error} onRetry={reload} />
        ) : (
          <Table
            label="procurements"
            rows={data}
            rowKey={(p) => p.id}
            empty={
              <EmptyState title="No procurements yet">
                Create one with `nanopod procurements create`.
              </EmptyState>
            }
            columns={[
              { header: 'Name', cell: (p) => p.name },
              { header: 'Capacity', cell: (p) => p.capacity },
              {
                header: 'Status',
                cell: (p) => (
                  <Badge tone={p.status === 'active' ? 'green' : 'neutral'}>{p.status}</Badge>
                ),
              },
              {
                header: 'Coverage ahead',
                cell: (p) => `${p.coverage.join(' · ')} of ${p.need.join(' · ')}`,
              },
              { header: 'Price paid', cell: (p) => perGpuHour(p.price_paid) },
              {
                header: 'Max buy / min sell',
                cell: (p) => `${perGpuHour(p.max_buy_price)} / ${perGpuHour(p.min_sell_price)}`,
              },
              {
                header: 'Spend this month',
                cell: (p) => credits(p.spend_this_month),
                className: 'num',
              },
              { header: 'Next renewal', cell: (p) => dateTime(p.next_renewal) },
            ]}
          />
        )}
      </Card>
      {data && data.length > 0 && (
        <>
          <Card title="Spend this month">
            <BarChart
              labels={data.map((p) => p.name)}
              series={[{ label: 'Spend', data: data.map((p) => p.spend_this_month / 100) }]}
              unit="$"
              height={160}
              ariaLabel="spend this month per procurement"
            />
          </Card>
          {data.map((p) => (
            <Card key={p.id} title={`${p.name}: coverage ahead`}>
              <CoverageChart procurement={p} />
            </Card>
          ))}
        </>
      )}
    </>
  );
}
