import { useState } from 'react';
import { api } from '../../api';
import type { components } from '../../generated/api-types';
import {
  Badge,
  Button,
  Card,
  EmptyState,
  ErrorState,
  Field,
  Modal,
  PageHeader,
  Table,
  Tone,
} from '../../components/ui';
import { useToast } from '../../components/toasts';
import { relativeTime } from '../../lib/format';
import { Link, navigate } from '../../lib/router';
import { usePoll } from '../../lib/use-api';

export type Sandbox = components['schemas']['SandboxDto'];

const tones: Record<string, Tone> = {
  pending: 'blue',
  starting: 'blue',
  running: 'green',
  stopped: 'neutral',
  failed: 'red',
  expired: 'neutral',
};

export function SandboxStateBadge(props: { sandbox: Pick<Sandbox, 'state' | 'reason'> }) {
  return (
    <Badge tone={tones[props.sandbox.state] ?? 'neutral'} title={props.sandbox.reason ?? undefined}>
      {props.sandbox.state}
      {props.sandbox.reason ? ` · ${props.sandbox.reason}` : ''}
    </Badge>
  );
}

function CreateSandboxModal(props: {
  open: boolean;
  onClose: () => void;
  onCreated: (s: Sandbox) => void;
}) {
  const toast = useToast();
  const [form, setForm] = useState({
    name: '',
    cpu: '1',
    memory_mb: '512',
    gpus: '0',
    ttl_seconds: '3600',
    idle_timeout_seconds: '900',
    network: 'none',
  });
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [k]: e.target.value });

  async function submit() {
    setBusy(true);
    try {
      const sb = await api.post<Sandbox>('/v1/sandboxes', {
        ...(form.name.trim() ? { name: form.name.trim() } : {}),
        resources: {
          cpu: Number(form.cpu),
          memory_mb: Number(form.memory_mb),
          gpus: Number(form.gpus),
        },
        ttl_seconds: Number(form.ttl_seconds),
        idle_timeout_seconds: Number(form.idle_timeout_seconds),
        network: form.network,
      });
      props.onCreated(sb);
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      title="New sandbox"
      open={props.open}
      onClose={props.onClose}
      footer={
        <>
          <Button onClick={props.onClose}>Cancel</Button>
          <Button variant="primary" busy={busy} onClick={() => void submit()}>
            Create
          </Button>
        </>
      }
    >
      <Field
        label="Name"
        htmlFor="sb-name"
        hint="Optional: lowercase letters, digits and dashes, unique among your sandboxes"
      >
        <input
          id="sb-name"
          className="input"
          placeholder="generated, like brave-otter-3f2a"
          value={form.name}
          onChange={set('name')}
        />
      </Field>
      <div className="grid grid-3">
        <Field label="CPU" htmlFor="sb-cpu">
          <input id="sb-cpu" className="input" value={form.cpu} onChange={set('cpu')} />
        </Field>
        <Field label="Memory (MB)" htmlFor="sb-mem">
          <input id="sb-mem" className="input" value={form.memory_mb} onChange={set('memory_mb')} />
        </Field>
        <Field label="GPUs" htmlFor="sb-gpus">
          <input id="sb-gpus" className="input" value={form.gpus} onChange={set('gpus')} />
        </Field>
        <Field label="TTL (s)" htmlFor="sb-ttl">
          <input
            id="sb-ttl"
            className="input"
            value={form.ttl_seconds}
            onChange={set('ttl_seconds')}
          />
        </Field>
        <Field label="Idle stop (s)" htmlFor="sb-idle">
          <input
            id="sb-idle"
            className="input"
            value={form.idle_timeout_seconds}
            onChange={set('idle_timeout_seconds')}
          />
        </Field>
        <Field label="Network" htmlFor="sb-net">
          <select id="sb-net" className="input" value={form.network} onChange={set('network')}>
            <option value="none">none</option>
            <option value="egress">egress</option>
          </select>
        </Field>
      </div>
    </Modal>
  );
}

/** Your sandboxes with live state (polled), create, stop and delete. */
export function SandboxesPage() {
  const { data, error, reload } = usePoll<{ data: Sandbox[] }>('/v1/sandboxes', 2000);
  const toast = useToast();
  const [creating, setCreating] = useState(false);

  async function act(sb: Sandbox, verb: 'stop' | 'delete') {
    try {
      if (verb === 'stop') await api.post(`/v1/sandboxes/${sb.id}/stop`);
      else await api.del(`/v1/sandboxes/${sb.id}`);
      reload();
    } catch (err) {
      toast.error(err);
    }
  }

  return (
    <>
      <PageHeader
        title="Sandboxes"
        description="Isolated work dirs on network nodes: upload code, run it, get results."
        actions={
          <Button variant="primary" onClick={() => setCreating(true)}>
            New sandbox
          </Button>
        }
      />
      <Card>
        {error ? (
          <ErrorState error={error} onRetry={reload} />
        ) : (
          <Table
            label="sandboxes"
            rows={data?.data}
            rowKey={(s) => s.id}
            empty={
              <EmptyState title="No sandboxes yet">
                Create one here, or run <code>nanopod run -- python3 -c 'print(6*7)'</code>.
              </EmptyState>
            }
            columns={[
              {
                header: 'Name',
                cell: (s) => <Link to={`/sandboxes/${s.id}`}>{s.name}</Link>,
              },
              { header: 'ID', cell: (s) => <code title={s.id}>{s.id.slice(0, 8)}</code> },
              { header: 'State', cell: (s) => <SandboxStateBadge sandbox={s} /> },
              {
                header: 'Resources',
                cell: (s) =>
                  `${s.resources.cpu} CPU · ${s.resources.memory_mb} MB${s.resources.gpus ? ` · ${s.resources.gpus} GPU` : ''}`,
              },
              { header: 'Runtime', cell: (s) => s.runtime },
              { header: 'Created', cell: (s) => relativeTime(s.created_at) },
              { header: 'Expires', cell: (s) => relativeTime(s.expires_at) },
              {
                header: '',
                cell: (s) => (
                  <span className="card-actions">
                    {['pending', 'starting', 'running'].includes(s.state) && (
                      <Button small onClick={() => void act(s, 'stop')}>
                        Stop
                      </Button>
                    )}
                    <Button small variant="danger" onClick={() => void act(s, 'delete')}>
                      Delete
                    </Button>
                  </span>
                ),
              },
            ]}
          />
        )}
      </Card>
      <CreateSandboxModal
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(sb) => {
          setCreating(false);
          navigate(`/sandboxes/${sb.id}`);
        }}
      />
    </>
  );
}
