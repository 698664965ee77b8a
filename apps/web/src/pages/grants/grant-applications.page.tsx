import { useState } from 'react';
import { api } from '../../api';
import { useToast } from '../../components/toasts';
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
import { relativeTime } from '../../lib/format';
import { useApi } from '../../lib/use-api';
import { GrantApplication, GrantProgram, rate } from './grant-types';

const tone: Record<string, Tone> = { open: 'blue', approved: 'green', rejected: 'red' };
const day = 86_400_000;

function CreateProgramDialog(props: { open: boolean; onClose: () => void; onCreated: () => void }) {
  const toast = useToast();
  const [name, setName] = useState('');
  const [hours, setHours] = useState('40');
  const [multiplier, setMultiplier] = useState('0');
  const [eligibility, setEligibility] = useState('');
  const [ends, setEnds] = useState(new Date(Date.now() + 90 * day).toISOString().slice(0, 10));
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    try {
      await api.post<GrantProgram>('/v1/grants/programs', {
        name: name.trim(),
        monthly_gpu_hours: Number(hours),
        rate_multiplier: Number(multiplier),
        eligibility,
        starts_at: new Date().toISOString(),
        ends_at: new Date(`${ends}T23:59:59Z`).toISOString(),
      });
      toast.success('Program created');
      setName('');
      props.onCreated();
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open={props.open}
      title="New grant program"
      onClose={props.onClose}
      footer={
        <>
          <Button onClick={props.onClose}>Cancel</Button>
          <Button
            variant="primary"
            busy={busy}
            disabled={!name.trim()}
            onClick={() => void submit()}
          >
            Create program
          </Button>
        </>
      }
    >
      <Field label="Name" htmlFor="program-name">
        <input
          id="program-name"
          className="input"
          value={name}
          maxLength={100}
          onChange={(e) => setName(e.target.value)}
        />
      </Field>
      <Field label="GPU-hours per month" htmlFor="program-hours">
        <input
          id="program-hours"
          className="input"
          type="number"
          min="0.01"
          value={hours}
          onChange={(e) => setHours(e.target.value)}
        />
      </Field>
      <Field
        label="Rate multiplier"
        htmlFor="program-rate"
        hint="What grantees pay of the list price: 0 = free, 1 = full price."
      >
        <input
          id="program-rate"
          className="input"
          type="number"
          min="0"
          max="1"
          step="0.05"
          value={multiplier}
          onChange={(e) => setMultiplier(e.target.value)}
        />
      </Field>
      <Field label="Eligibility" htmlFor="program-eligibility">
        <input
          id="program-eligibility"
          className="input"
          value={eligibility}
          onChange={(e) => setEligibility(e.target.value)}
        />
      </Field>
      <Field label="Ends" htmlFor="program-ends">
        <input
          id="program-ends"
          className="input"
          type="date"
          value={ends}
          onChange={(e) => setEnds(e.target.value)}
        />
      </Field>
    </Modal>
  );
}

export function GrantApplicationsPage() {
  const toast = useToast();
  const [status, setStatus] = useState('open');
  const apps = useApi<{ data: GrantApplication[] }>('/v1/grants/applications', {
    query: { status: status || undefined },
  });
  const programs = useApi<{ data: GrantProgram[] }>('/v1/grants/programs');
  const [rejecting, setRejecting] = useState<GrantApplication | null>(null);
  const [note, setNote] = useState('');
  const [creating, setCreating] = useState(false);

  const approve = async (a: GrantApplication) => {
    try {
      await api.post(`/v1/grants/applications/${a.id}/approve`, {});
      toast.success('Approved', `${a.github_login ?? a.user_id} now holds ${a.program}.`);
      await apps.reload();
    } catch (err) {
      toast.error(err);
    }
  };
  const reject = async () => {
    if (!rejecting) return;
    try {
      await api.post(`/v1/grants/applications/${rejecting.id}/reject`, { note: note.trim() });
      setRejecting(null);
      setNote('');
      await apps.reload();
    } catch (err) {
      toast.error(err);
    }
  };

  return (
    <>
      <PageHeader
        title="Grant applications"
        description="Approve to create the grant; reject with a note the applicant sees."
        actions={
          <Button variant="primary" onClick={() => setCreating(true)}>
            New program
          </Button>
        }
      />
      <Card
        title="Applications"
        actions={
          <select
            className="input"
            aria-label="Status"
            value={status}
            onChange={(e) => setStatus(e.target.value)}
          >
            <option value="open">Open</option>
            <option value="approved">Approved</option>
            <option value="rejected">Rejected</option>
            <option value="">All</option>
          </select>
        }
      >
        {apps.error ? (
          <ErrorState error={apps.error} onRetry={() => void apps.reload()} />
        ) : (
          <Table<GrantApplication>
            label="Grant applications"
            rows={apps.data?.data}
            rowKey={(a) => a.id}
            empty={<EmptyState title="No applications" />}
            columns={[
              { header: 'User', cell: (a) => a.github_login ?? a.user_id },
              { header: 'Program', cell: (a) => a.program },
              {
                header: 'Reputation',
                cell: (a) =>
                  !a.reputation
                    ? '—'
                    : a.reputation.score === null
                      ? 'unknown'
                      : `${a.reputation.score} / 100${a.reputation.status === 'partial' ? ' (partial)' : ''}`,
              },
              { header: 'Statement', cell: (a) => a.statement },
              { header: 'Status', cell: (a) => <Badge tone={tone[a.status]}>{a.status}</Badge> },
              { header: 'Applied', cell: (a) => relativeTime(a.created_at) },
              {
                header: '',
                cell: (a) =>
                  a.status === 'open' ? (
                    <div className="page-actions">
                      <Button
                        small
                        variant="primary"
                        onClick={() => void approve(a)}
                        aria-label={`Approve ${a.github_login ?? a.id}`}
                      >
                        Approve
                      </Button>
                      <Button
                        small
                        variant="danger"
                        onClick={() => setRejecting(a)}
                        aria-label={`Reject ${a.github_login ?? a.id}`}
                      >
                        Reject
                      </Button>
                    </div>
                  ) : (
                    (a.decision_note ?? '')
                  ),
              },
            ]}
          />
        )}
      </Card>
      <Card title="Programs">
        <Table<GrantProgram>
          label="Programs"
          rows={programs.data?.data}
          rowKey={(p) => p.id}
          empty={<EmptyState title="No programs yet" />}
          columns={[
            { header: 'Name', cell: (p) => p.name },
            { header: 'GPU-hours / month', cell: (p) => p.monthly_gpu_hours },
            { header: 'Grantees pay', cell: (p) => rate(p.rate_multiplier) },
            { header: 'State', cell: (p) => p.state },
          ]}
        />
      </Card>
      <Modal
        open={!!rejecting}
        title="Reject application"
        onClose={() => setRejecting(null)}
        footer={
          <>
            <Button onClick={() => setRejecting(null)}>Cancel</Button>
            <Button variant="danger" disabled={!note.trim()} onClick={() => void reject()}>
              Reject
            </Button>
          </>
        }
      >
        <Field label="Note to the applicant" htmlFor="reject-note">
          <textarea
            id="reject-note"
            className="input"
            rows={3}
            value={note}
            onChange={(e) => setNote(e.target.value)}
          />
        </Field>
      </Modal>
      <CreateProgramDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={() => {
          setCreating(false);
          void programs.reload();
        }}
      />
    </>
  );
}
