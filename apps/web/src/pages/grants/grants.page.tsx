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
import { dateTime, relativeTime } from '../../lib/format';
import { useApi } from '../../lib/use-api';
import { Link } from '../../lib/router';
import type { Reputation } from '../reputation/reputation-types';
import { Grant, GrantApplication, GrantProgram, rate } from './grant-types';

/**
 * The score a grant needs before it applies: `high_reputation_score` in the shipped
 * policies/subsidy.rego (an admin can change the policy; the text says so).
 */
const GRANT_SCORE = 70;

/**
 * Why an active grant does not lower the price: the subsidy policy applies a grant only with a
 * known, high enough reputation score, and an unknown one (no GitHub or Passport data, the
 * embedded default) never qualifies. Shown only when that is the case.
 */
function GrantNotApplied(props: { grants: Grant[] | undefined }) {
  const rep = useApi<Reputation>('/v1/me/reputation');
  const active = props.grants?.filter((g) => g.status === 'active') ?? [];
  if (!rep.data || active.length === 0) return null;
  const { score, status } = rep.data;
  if (status !== 'unknown' && score !== null && score >= GRANT_SCORE) return null;
  return (
    <div className="callout" role="note" aria-label="Why you pay full price">
      <strong>Your grant does not lower your price yet.</strong>
      <p>
        The subsidy policy applies a grant only when your reputation score is known and at least{' '}
        {GRANT_SCORE} (the shipped policy; an admin may have changed it). Your score is{' '}
        {score === null || status === 'unknown' ? 'unknown' : `${score}`}, so sandboxes are charged
        the full list price{status === 'unknown' ? ': an unknown score never qualifies' : ''}.
      </p>
      <p>
        <Link to="/reputation">See and refresh your reputation →</Link>
      </p>
    </div>
  );
}

const tone: Record<string, Tone> = {
  open: 'blue',
  approved: 'green',
  rejected: 'red',
  active: 'green',
  upcoming: 'blue',
  ended: 'neutral',
  revoked: 'red',
};

function ApplyDialog(props: {
  program: GrantProgram | null;
  onClose: () => void;
  onApplied: () => void;
}) {
  const toast = useToast();
  const [statement, setStatement] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    if (!props.program) return;
    setBusy(true);
    try {
      await api.post(`/v1/grants/programs/${props.program.id}/applications`, {
        statement: statement.trim(),
      });
      toast.success('Application sent', 'An admin will review it.');
      setStatement('');
      props.onApplied();
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open={!!props.program}
      title={`Apply to ${props.program?.name ?? ''}`}
      onClose={props.onClose}
      footer={
        <>
          <Button onClick={props.onClose}>Cancel</Button>
          <Button
            variant="primary"
            busy={busy}
            disabled={statement.trim().length < 10}
            onClick={() => void submit()}
          >
            Send application
          </Button>
        </>
      }
    >
      {props.program?.eligibility && <p className="muted">{props.program.eligibility}</p>}
      <Field
        label="Statement"
        htmlFor="grant-statement"
        hint="10 to 2000 characters: what you work on and why you need GPUs."
      >
        <textarea
          id="grant-statement"
          className="input"
          rows={5}
          maxLength={2000}
          value={statement}
          onChange={(e) => setStatement(e.target.value)}
        />
      </Field>
    </Modal>
  );
}

export function GrantsPage() {
  const programs = useApi<{ data: GrantProgram[] }>('/v1/grants/programs');
  const mine = useApi<{ grants: Grant[]; applications: GrantApplication[] }>('/v1/me/grants');
  const [applyTo, setApplyTo] = useState<GrantProgram | null>(null);
  const openApplication = (p: GrantProgram) =>
    mine.data?.applications.some((a) => a.program_id === p.id && a.status === 'open');
  const holds = (p: GrantProgram) =>
    mine.data?.grants.some((g) => g.program_id === p.id && g.status !== 'revoked');

  return (
    <>
      <PageHeader
        title="Grants"
        description="Subsidy programs: free or discounted GPU-hours for open-source work."
      />
      <GrantNotApplied grants={mine.data?.grants} />
      <Card title="My grants">
        {mine.error ? (
          <ErrorState error={mine.error} onRetry={() => void mine.reload()} />
        ) : (
          <Table<Grant>
            label="My grants"
            rows={mine.data?.grants}
            rowKey={(g) => g.id}
            empty={<EmptyState title="No grants yet">Apply to a program below.</EmptyState>}
            columns={[
              { header: 'Program', cell: (g) => g.program },
              { header: 'Status', cell: (g) => <Badge tone={tone[g.status]}>{g.status}</Badge> },
              { header: 'GPU-hours / month', cell: (g) => g.monthly_gpu_hours },
              { header: 'You pay', cell: (g) => rate(g.rate_multiplier) },
              { header: 'Until', cell: (g) => dateTime(g.ends_at) },
            ]}
          />
        )}
      </Card>
      <Card title="Programs">
        {programs.error ? (
          <ErrorState error={programs.error} onRetry={() => void programs.reload()} />
        ) : (
          <Table<GrantProgram>
            label="Grant programs"
            rows={programs.data?.data}
            rowKey={(p) => p.id}
            empty={<EmptyState title="No grant programs yet" />}
            columns={[
              { header: 'Name', cell: (p) => <strong>{p.name}</strong> },
              { header: 'Eligibility', cell: (p) => p.eligibility || '—' },
              { header: 'GPU-hours / month', cell: (p) => p.monthly_gpu_hours },
              { header: 'You pay', cell: (p) => rate(p.rate_multiplier) },
              { header: 'State', cell: (p) => <Badge tone={tone[p.state]}>{p.state}</Badge> },
              { header: 'Until', cell: (p) => dateTime(p.ends_at) },
              {
                header: '',
                cell: (p) =>
                  holds(p) ? (
                    <Badge tone="green">granted</Badge>
                  ) : openApplication(p) ? (
                    <Badge tone="blue">applied</Badge>
                  ) : p.state !== 'ended' ? (
                    <Button
                      small
                      variant="primary"
                      onClick={() => setApplyTo(p)}
                      aria-label={`Apply to ${p.name}`}
                    >
                      Apply
                    </Button>
                  ) : null,
              },
            ]}
          />
        )}
      </Card>
      <Card title="My applications">
        <Table<GrantApplication>
          label="My applications"
          rows={mine.data?.applications}
          rowKey={(a) => a.id}
          empty={<EmptyState title="No applications" />}
          columns={[
            { header: 'Program', cell: (a) => a.program },
            { header: 'Status', cell: (a) => <Badge tone={tone[a.status]}>{a.status}</Badge> },
            { header: 'Statement', cell: (a) => a.statement },
            { header: 'Note', cell: (a) => a.decision_note ?? '—' },
            { header: 'Applied', cell: (a) => relativeTime(a.created_at) },
          ]}
        />
      </Card>
      <ApplyDialog
        program={applyTo}
        onClose={() => setApplyTo(null)}
        onApplied={() => {
          setApplyTo(null);
          void mine.reload();
        }}
      />
    </>
  );
}
