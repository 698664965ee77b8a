import { useState } from 'react';
import { api } from '../../api';
import {
  Badge,
  Button,
  Card,
  EmptyState,
  ErrorState,
  PageHeader,
  Table,
  Tone,
} from '../../components/ui';
import { useToast } from '../../components/toasts';
import { relativeTime } from '../../lib/format';
import { usePoll } from '../../lib/use-api';

interface Node {
  id: string;
  name: string;
  partner_id: string;
  zone: string;
  kind: string;
  state: string;
  cordoned: boolean;
  connected: boolean;
  cpu_cores: number;
  memory_mb: number;
  gpus: Array<{ model: string; memory_mb: number }>;
  last_heartbeat_at: string | null;
}

interface Partner {
  id: string;
  name: string;
}

const stateTone: Record<string, Tone> = {
  running: 'green',
  unhealthy: 'yellow',
  draining: 'yellow',
  drained: 'neutral',
  lost: 'red',
  terminated: 'neutral',
};

export function NodeStateBadge(props: { node: Pick<Node, 'state' | 'cordoned' | 'connected'> }) {
  const { state, cordoned, connected } = props.node;
  return (
    <>
      <Badge tone={stateTone[state] ?? 'neutral'}>{state}</Badge>{' '}
      {cordoned && state === 'running' && <Badge tone="yellow">cordoned</Badge>}{' '}
      {!connected && state === 'running' && (
        <Badge tone="neutral" title="No agent channel on this platform instance">
          offline
        </Badge>
      )}
    </>
  );
}

/** Nodes: admins see all, partner owners theirs; state is live (polled). */
export function NodesPage() {
  const { data, error, reload } = usePoll<{ data: Node[] }>('/v1/nodes', 3000);
  const partners = usePoll<{ data: Partner[] }>('/v1/partners', 30000);
  const partnerName = (id: string) =>
    partners.data?.data.find((p) => p.id === id)?.name ?? id.slice(0, 8);
  const toast = useToast();
  const [busy, setBusy] = useState<string | null>(null);

  async function act(node: Node, verb: 'cordon' | 'uncordon' | 'drain') {
    setBusy(`${node.id}:${verb}`);
    try {
      await api.post(`/v1/nodes/${node.id}/${verb}`);
      toast.success(`${node.name}`, `${verb} done`);
      reload();
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy(null);
    }
  }

  return (
    <>
      <PageHeader
        title="Nodes"
        description="Machines partners joined to the network, with their health from heartbeats."
      />
      <Card>
        {error ? (
          <ErrorState error={error} onRetry={reload} />
        ) : (
          <Table
            label="nodes"
            rows={data?.data}
            rowKey={(n) => n.id}
            empty={
              <EmptyState title="No nodes you can see">
                Partners enroll nodes with <code>nanopod partners token</code> and{' '}
                <code>nanopod-node-agent enroll</code>.
              </EmptyState>
            }
            columns={[
              { header: 'Name', cell: (n) => n.name },
              { header: 'Partner', cell: (n) => partnerName(n.partner_id) },
              { header: 'Zone', cell: (n) => n.zone },
              {
                header: 'GPUs',
                cell: (n) => (n.gpus.length ? `${n.gpus.length}× ${n.gpus[0].model}` : '—'),
              },
              { header: 'State', cell: (n) => <NodeStateBadge node={n} /> },
              { header: 'Last heartbeat', cell: (n) => relativeTime(n.last_heartbeat_at) },
              {
                header: '',
                cell: (n) => (
                  <span className="card-actions">
                    {n.cordoned ? (
                      <Button
                        small
                        busy={busy === `${n.id}:uncordon`}
                        onClick={() => void act(n, 'uncordon')}
                      >
                        Uncordon
                      </Button>
                    ) : (
                      <Button
                        small
                        busy={busy === `${n.id}:cordon`}
                        onClick={() => void act(n, 'cordon')}
                      >
                        Cordon
                      </Button>
                    )}
                    {n.state === 'running' && (
                      <Button
                        small
                        variant="danger"
                        busy={busy === `${n.id}:drain`}
                        onClick={() => void act(n, 'drain')}
                      >
                        Drain
                      </Button>
                    )}
                  </span>
                ),
              },
            ]}
          />
        )}
      </Card>
    </>
  );
}
