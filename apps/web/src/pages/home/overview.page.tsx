import { useMemo } from 'react';
import { BarChart } from '../../components/charts';
import { Card, EmptyState, ErrorState, PageHeader, Spinner } from '../../components/ui';
import { money, relativeTime } from '../../lib/format';
import { useMe } from '../../lib/me';
import { Link } from '../../lib/router';
import { useApi, usePoll } from '../../lib/use-api';
import { Balance, daysBetween, dollars, UsageReport } from '../billing/billing-types';
import { Sandbox, SandboxStateBadge } from '../sandboxes/sandboxes.page';

/** How many running sandboxes the overview lists by name (the count covers all of them). */
const LISTED = 5;

/** From the first of this month (UTC) to now: what the month's usage and its chart cover. */
function thisMonth(): { from: string; to: string } {
  const to = new Date();
  const from = new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), 1));
  return { from: from.toISOString(), to: to.toISOString() };
}

function BalanceCard() {
  const balance = useApi<Balance>('/v1/billing/balance', { pollMs: 15_000 });
  return (
    <Card title="Balance">
      {balance.error ? (
        <ErrorState error={balance.error} onRetry={balance.reload} />
      ) : !balance.data ? (
        <Spinner />
      ) : (
        <div data-testid="overview-balance">
          <div className="stat-value">{money(dollars(balance.data.balance))}</div>
          <div className="stat-label">
            available {money(dollars(balance.data.available))} ·{' '}
            <Link to="/billing">Billing →</Link>
          </div>
        </div>
      )}
    </Card>
  );
}

function UsageCard() {
  const range = useMemo(thisMonth, []);
  const usage = useApi<UsageReport>('/v1/billing/usage', { query: { ...range, group_by: 'day' } });
  const days = daysBetween(new Date(range.from), new Date(range.to));
  const perDay = new Map<string, number>();
  for (const r of usage.data?.data ?? [])
    perDay.set(r.key, (perDay.get(r.key) ?? 0) + dollars(r.paid_credits));
  return (
    <Card title="This month">
      {usage.error ? (
        <ErrorState error={usage.error} onRetry={usage.reload} />
      ) : !usage.data ? (
        <Spinner />
      ) : (
        <div data-testid="overview-usage">
          <div className="stat-value">{money(dollars(usage.data.totals.paid_credits))}</div>
          <div className="stat-label">
            paid · list price {money(dollars(usage.data.totals.list_credits))} ·{' '}
            {usage.data.totals.events} usage {usage.data.totals.events === 1 ? 'event' : 'events'}
          </div>
          <BarChart
            ariaLabel="Paid per day this month"
            labels={days.map((d) => d.slice(8))}
            series={[{ label: 'Paid', data: days.map((d) => perDay.get(d) ?? 0) }]}
            unit="$"
            height={120}
          />
        </div>
      )}
    </Card>
  );
}

function RunningCard() {
  const running = usePoll<{ data: Sandbox[] }>('/v1/sandboxes', 5000, { state: 'running' });
  const rows = running.data?.data ?? [];
  return (
    <Card title="Running sandboxes">
      {running.error ? (
        <ErrorState error={running.error} onRetry={running.reload} />
      ) : !running.data ? (
        <Spinner />
      ) : rows.length === 0 ? (
        <EmptyState title="Nothing running">
          <Link to="/sandboxes">Start a sandbox</Link> or run{' '}
          <code>nanopod run -- python3 x.py</code>.
        </EmptyState>
      ) : (
        <div data-testid="overview-running">
          <div className="stat-value">{rows.length}</div>
          <ul className="plain-list">
            {rows.slice(0, LISTED).map((s) => (
              <li key={s.id}>
                <Link to={`/sandboxes/${s.id}`}>{s.name}</Link> <SandboxStateBadge sandbox={s} />{' '}
                <span className="muted">started {relativeTime(s.started_at)}</span>
              </li>
            ))}
          </ul>
          {rows.length > LISTED && <Link to="/sandboxes">All {rows.length} →</Link>}
        </div>
      )}
    </Card>
  );
}

export function OverviewPage() {
  const { me } = useMe();
  return (
    <>
      <PageHeader
        title={`Welcome${me.github_login ? `, ${me.github_login}` : ''}`}
        description="Your developer access to the Nanopod GPU network."
      />
      <div className="grid grid-3">
        <BalanceCard />
        <UsageCard />
        <RunningCard />
      </div>
      <div className="grid grid-2">
        <Card title="Get started">
          <ol className="steps">
            <li>
              <Link to="/api-keys">Create an API key</Link> for the CLI and your scripts.
            </li>
            <li>
              Use it: <code>export NANOPOD_API_KEY=npk_…</code>, then <code>nanopod whoami</code>.
            </li>
            <li>
              Read the <a href="/docs">API reference</a> for everything the dashboard does.
            </li>
          </ol>
        </Card>
        <Card title="Your account">
          <dl className="kv">
            <dt>GitHub</dt>
            <dd>{me.github_login ?? '—'}</dd>
            <dt>Roles</dt>
            <dd>{me.roles.join(', ') || '—'}</dd>
          </dl>
          <p>
            <Link to="/me">Profile details →</Link>
          </p>
        </Card>
      </div>
    </>
  );
}
