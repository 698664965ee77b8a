import { LineChart } from '../../components/charts';
import {
  Badge,
  Card,
  EmptyState,
  ErrorState,
  PageHeader,
  Spinner,
  Table,
  Tone,
} from '../../components/ui';
import type { components } from '../../generated/api-types';
import { relativeTime } from '../../lib/format';
import { usePoll } from '../../lib/use-api';

type Service = components['schemas']['ServiceDto'];
type ServiceList = components['schemas']['ServiceListDto'];
type Replica = components['schemas']['ReplicaDto'];

const serviceTone: Record<string, Tone> = {
  READY: 'green',
  CONTROLLER_INIT: 'yellow',
  REPLICA_INIT: 'yellow',
  NO_REPLICA: 'neutral',
  SHUTTING_DOWN: 'neutral',
};

const replicaTone: Record<string, Tone> = {
  READY: 'green',
  PENDING: 'yellow',
  PROVISIONING: 'yellow',
  STARTING: 'yellow',
  NOT_READY: 'red',
  SHUTTING_DOWN: 'neutral',
  PREEMPTED: 'red',
};

const toneOf = (table: Record<string, Tone>, status: string): Tone =>
  table[status] ?? (status.startsWith('FAILED') ? 'red' : 'neutral');

const STARTING = '#f59e0b';
const SERVING = '#10b981';
const ENDED_BADLY = '#ef4444';

/**
 * One row per replica (newest at the top): launched -> READY (starting, amber), READY -> ended
 * or now (serving, green; red when it was preempted or failed). Plain boxes in percent of the
 * span, so labels keep their size at any width.
 */
function ReplicaTimeline(props: { service: Service; now: number }) {
  const replicas = [...props.service.replicas]
    .sort((a, b) => b.replica_id - a.replica_id)
    .slice(0, 12);
  if (replicas.length === 0) return null;
  const start = Math.min(...replicas.map((r) => Date.parse(r.launched_at)));
  const span = Math.max(1000, props.now - start);
  const pct = (t: number) => `${Math.min(100, Math.max(0, ((t - start) / span) * 100))}%`;
  const width = (from: number, to: number) =>
    `${Math.max(0.5, Math.min(100, ((to - from) / span) * 100))}%`;
  const badEnd = (r: Replica) => r.status === 'PREEMPTED' || r.status.startsWith('FAILED');
  return (
    <div role="img" aria-label={`replica timeline of ${props.service.name}`} className="timeline">
      {replicas.map((r) => {
        const launched = Date.parse(r.launched_at);
        const ready = r.ready_at ? Date.parse(r.ready_at) : null;
        const end = r.ended_at ? Date.parse(r.ended_at) : props.now;
        return (
          <div
            key={r.replica_id}
            className="timeline-row"
            title={`replica ${r.replica_id}: ${r.status}${r.status_reason ? ` (${r.status_reason})` : ''}`}
          >
            <span className="timeline-label">#{r.replica_id}</span>
            <span className="timeline-track">
              <span
                className="timeline-bar"
                style={{
                  left: pct(launched),
                  width: width(launched, ready ?? end),
                  background: STARTING,
                }}
              />
              {ready !== null && (
                <span
                  className="timeline-bar"
                  style={{
                    left: pct(ready),
                    width: width(ready, end),
                    background: badEnd(r) ? ENDED_BADLY : SERVING,
                  }}
                />
              )}
            </span>
          </div>
        );
      })}
      <div className="timeline-row muted">
        <span className="timeline-label" />
        <span className="timeline-axis">
          <span>{relativeTime(new Date(start).toISOString())}</span>
          <span>now</span>
        </span>
      </div>
    </div>
  );
}

function ServiceCard(props: { service: Service; now: number }) {
  const s = props.service;
  const rate = s.requests_per_second;
  return (
    <Card
      title={s.name}
      actions={
        <span>
          <Badge tone={toneOf(serviceTone, s.status)}>{s.status}</Badge>{' '}
          <Badge tone="blue">
            {s.ready_replicas}/{s.target_replicas} ready
          </Badge>
        </span>
      }
    >
      <p className="muted">
        <code>{s.endpoint}</code> · {s.load_balancing_policy.replace('_', ' ')} · version{' '}
        {s.version} · {s.qps.toFixed(2)} req/s
        {s.last_cold_start_ms !== null && <> · last cold start {s.last_cold_start_ms} ms</>}
      </p>
      <h3>Requests per second (last minute)</h3>
      <LineChart
        labels={rate.map((_, i) => (i === rate.length - 1 ? 'now' : `-${rate.length - 1 - i}s`))}
        series={[{ label: 'Requests', data: rate }]}
        unit="req/s"
        height={160}
        ariaLabel={`requests per second of ${s.name}`}
      />
      <h3>Replicas</h3>
      <ReplicaTimeline service={s} now={props.now} />
      <Table
        label={`replicas of ${s.name}`}
        rows={[...s.replicas].sort((a, b) => b.replica_id - a.replica_id)}
        rowKey={(r) => String(r.replica_id)}
        columns={[
          { header: '#', cell: (r) => r.replica_id },
          {
            header: 'Status',
            cell: (r) => <Badge tone={toneOf(replicaTone, r.status)}>{r.status}</Badge>,
          },
          { header: 'Pricing', cell: (r) => r.pricing.replace('_', '-') },
          { header: 'Version', cell: (r) => r.version },
          { header: 'Launched', cell: (r) => relativeTime(r.launched_at) },
          { header: 'Why', cell: (r) => r.status_reason ?? '' },
        ]}
      />
    </Card>
  );
}

export function ServicesPage() {
  const { data, error, reload } = usePoll<ServiceList>('/v1/services', 2000);
  const now = Date.now();
  return (
    <>
      <PageHeader
        title="Services"
        description="Your model endpoints: replicas over time, and the traffic the load balancer sees."
      />
      {error ? (
        <ErrorState error={error} onRetry={reload} />
      ) : !data ? (
        <Spinner />
      ) : data.data.length === 0 ? (
        <Card>
          <EmptyState title="No services yet">
            Start one with `nanopod serve up service.yaml`.
          </EmptyState>
        </Card>
      ) : (
        data.data.map((s) => <ServiceCard key={s.id} service={s} now={now} />)
      )}
    </>
  );
}
