import { useMemo, useState } from 'react';
import { BarChart, Series } from '../../components/charts';
import {
  Badge,
  Button,
  Card,
  EmptyState,
  ErrorState,
  PageHeader,
  Spinner,
  Table,
} from '../../components/ui';
import { money } from '../../lib/format';
import { useApi } from '../../lib/use-api';
import {
  Balance,
  daysBetween,
  dollars,
  Invoice,
  METRIC_LABELS,
  UsageReport,
} from './billing-types';

const RANGES = [7, 30, 90] as const;

export function BillingPage() {
  const [days, setDays] = useState<(typeof RANGES)[number]>(30);
  const range = useMemo(() => {
    const to = new Date();
    const from = new Date(to.getTime() - days * 86_400_000);
    return { from: from.toISOString(), to: to.toISOString() };
  }, [days]);
  const balance = useApi<Balance>('/v1/billing/balance', { pollMs: 15_000 });
  const byDay = useApi<UsageReport>('/v1/billing/usage', { query: { ...range, group_by: 'day' } });
  const byKind = useApi<UsageReport>('/v1/billing/usage', {
    query: { ...range, group_by: 'kind' },
  });
  const invoices = useApi<{ data: Invoice[] }>('/v1/billing/invoices');

  return (
    <>
      <PageHeader
        title="Billing"
        description="Credits (1 credit = 1 cent), your usage and what the subsidy saved you."
        actions={RANGES.map((r) => (
          <Button
            key={r}
            small
            variant={r === days ? 'primary' : 'secondary'}
            onClick={() => setDays(r)}
          >
            {r} days
          </Button>
        ))}
      />
      <div className="grid grid-3">
        <Card title="Balance">
          {balance.error ? (
            <ErrorState error={balance.error} onRetry={balance.reload} />
          ) : !balance.data ? (
            <Spinner />
          ) : (
            <div data-testid="billing-balance">
              <div className="stat-value">{money(dollars(balance.data.balance))}</div>
              <div className="stat-label">
                available {money(dollars(balance.data.available))}
                {balance.data.owed > 0 && <> · owed {money(dollars(balance.data.owed))}</>}
                {balance.data.credit_limit > 0 && (
                  <> · credit limit {money(dollars(balance.data.credit_limit))}</>
                )}
              </div>
            </div>
          )}
        </Card>
        <Card title={`Paid, last ${days} days`}>
          {byKind.data ? (
            <div className="stat-value" data-testid="billing-paid">
              {money(dollars(byKind.data.totals.paid_credits))}
            </div>
          ) : (
            <Spinner />
          )}
          <div className="stat-label">
            list price {money(dollars(byKind.data?.totals.list_credits ?? 0))}
          </div>
        </Card>
        <Card title="Subsidy saved">
          {byKind.data ? (
            <div className="stat-value" data-testid="billing-saved">
              {money(dollars(byKind.data.totals.saved_credits))}
            </div>
          ) : (
            <Spinner />
          )}
          <div className="stat-label">list price minus what you paid</div>
        </Card>
      </div>
      <Card title="Usage by day">
        {byDay.error ? (
          <ErrorState error={byDay.error} onRetry={byDay.reload} />
        ) : !byDay.data ? (
          <Spinner />
        ) : byDay.data.data.length === 0 ? (
          <EmptyState title="No usage in this period">
            Sandboxes and deployments you run show up here.
          </EmptyState>
        ) : (
          <UsageByDayChart report={byDay.data} />
        )}
      </Card>
      <Card title="By kind">
        {byKind.error ? (
          <ErrorState error={byKind.error} onRetry={byKind.reload} />
        ) : !byKind.data ? (
          <Spinner />
        ) : byKind.data.data.length === 0 ? (
          <EmptyState title="No usage in this period" />
        ) : (
          <BarChart
            ariaLabel="Usage by kind"
            labels={byKind.data.data.map((r) => METRIC_LABELS[r.metric] ?? r.metric)}
            series={[
              { label: 'Paid', data: byKind.data.data.map((r) => dollars(r.paid_credits)) },
              {
                label: 'Subsidy saved',
                data: byKind.data.data.map((r) => dollars(r.saved_credits)),
                color: '#10b981',
              },
            ]}
            unit="$"
            stacked
            height={200}
          />
        )}
      </Card>
      <Card title="Invoices">
        {invoices.error ? (
          <ErrorState error={invoices.error} onRetry={invoices.reload} />
        ) : (
          <Table
            label="Invoices"
            rows={invoices.data?.data}
            rowKey={(i) => i.id}
            empty={<EmptyState title="No invoices yet" />}
            columns={[
              { header: 'Number', cell: (i) => i.number },
              { header: 'Period', cell: (i) => i.period },
              {
                header: 'Status',
                cell: (i) => (
                  <Badge tone={i.status === 'finalized' ? 'green' : 'neutral'}>{i.status}</Badge>
                ),
              },
              { header: 'Payment', cell: (i) => i.payment_status ?? '—' },
              {
                header: 'Total',
                cell: (i) =>
                  money(i.total_cents / 100, i.currency === 'credits' ? 'USD' : i.currency),
              },
              {
                header: 'List price',
                cell: (i) => (i.list_cents === null ? '—' : money(i.list_cents / 100)),
              },
              {
                header: '',
                cell: (i) =>
                  i.file_url ? (
                    <a href={i.file_url} target="_blank" rel="noreferrer">
                      PDF
                    </a>
                  ) : null,
              },
            ]}
          />
        )}
      </Card>
    </>
  );
}

/** List price per day, stacked by kind. */
function UsageByDayChart(props: { report: UsageReport }) {
  const { report } = props;
  const labels = daysBetween(new Date(report.from), new Date(report.to));
  const metrics = [...new Set(report.data.map((r) => r.metric))];
  const series: Series[] = metrics.map((metric) => {
    const byDay = new Map(
      report.data.filter((r) => r.metric === metric).map((r) => [r.key, r.list_credits]),
    );
    return {
      label: METRIC_LABELS[metric] ?? metric,
      data: labels.map((d) => dollars(byDay.get(d) ?? 0)),
    };
  });
  return (
    <div data-testid="billing-usage-chart">
      <BarChart
        ariaLabel="Usage by day and kind"
        labels={labels.map((d) => d.slice(5))}
        series={series}
        unit="$"
        stacked
      />
    </div>
  );
}
