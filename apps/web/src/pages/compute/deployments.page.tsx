import { LineChart } from '../../components/charts';
import {
  Badge,
  Card,
  EmptyState,
  ErrorState,
  PageHeader,
  Spinner,
  Table,
} from '../../components/ui';
import { relativeTime } from '../../lib/format';
import { usePoll } from '../../lib/use-api';
import { Deployment, nodeStateTone, nodesOverTime } from './compute-types';

const HOURS = 24;

function DeploymentCard(props: { deployment: Deployment }) {
  const d = props.deployment;
  const timeline = nodesOverTime(d.nodes, HOURS);
  return (
    <Card
      title={d.name}
      actions={
        <span>
          {Object.entries(d.counts).map(([state, n]) => (
            <Badge key={state} tone={nodeStateTone[state] ?? 'neutral'}>
              {n} {state}
            </Badge>
          ))}
        </span>
      }
    >
      <p className="muted">
        {d.capacity} · template {d.node_template} · target {d.target_node_count} nodes
      </p>
      <LineChart
        labels={timeline.labels}
        series={[
          { label: 'Running', data: timeline.running },
          { label: 'Waiting', data: timeline.waiting },
        ]}
        unit="nodes"
        height={180}
        ariaLabel={`nodes of ${d.name} over the last ${HOURS} hours`}
      />
      <Table
        label={`nodes of ${d.name}`}
        rows={d.nodes}
        rowKey={(n) => n.id}
        columns={[
          { header: '#', cell: (n) => n.seq },
          {
            header: 'State',
            cell: (n) => <Badge tone={nodeStateTone[n.state] ?? 'neutral'}>{n.state}</Badge>,
          },
          {
            header: 'Why',
            cell: (n) => (n.notice as { reason?: string } | null)?.reason ?? n.state_reason ?? '',
          },
          { header: 'Host', cell: (n) => (n.host_node_id ? n.host_node_id.slice(0, 8) : '—') },
          { header: 'Started', cell: (n) => (n.started_at ? relativeTime(n.started_at) : '—') },
        ]}
      />
    </Card>
  );
}

export function DeploymentsPage() {
  const { data, error, reload } = usePoll<Deployment[]>('/v1/deployments', 3000);
  return (
    <>
      <PageHeader
        title="Deployments"
        description="Node templates on a capacity with a target node count, and their nodes over time."
      />
      {error ? (
        <ErrorState error={error} onRetry={reload} />
      ) : !data ? (
        <Spinner />
      ) : data.length === 0 ? (
        <Card>
          <EmptyState title="No deployments yet">
            Create one with `nanopod deployments create`.
          </EmptyState>
        </Card>
      ) : (
        data.map((d) => <DeploymentCard key={d.id} deployment={d} />)
      )}
    </>
  );
}
