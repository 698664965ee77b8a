import { useEffect, useRef, useState } from 'react';
import { api } from '../../api';
import {
  Badge,
  Button,
  Card,
  ConfirmDialog,
  EmptyState,
  ErrorState,
  Table,
} from '../../components/ui';
import { useToast } from '../../components/toasts';
import { dateTime } from '../../lib/format';
import { useApi } from '../../lib/use-api';
import { DiffView } from './diff-view';
import type { Activation, Decision, DryRunResult, PolicyVersion, TestResult } from './policy-types';

function showDecision(d: Decision): string {
  return `${d.allow ? 'allow' : 'deny'} · ${d.tier} · ×${d.rate_multiplier} · ${d.max_gpu_hours} h`;
}

/** One version: its diff from the active one, its tests, a dry run, activate or roll back. */
export function VersionPanel(props: {
  name: string;
  version: number;
  onChanged: () => void;
  /** A change (from the page's toolbar) opens the activate/roll back confirmation. */
  activateAsk?: number;
}) {
  const { name, version } = props;
  const toast = useToast();
  const path = `/v1/policies/${name}/versions/${version}`;
  const { data: v, error, reload } = useApi<PolicyVersion>(path);
  const [tests, setTests] = useState<TestResult[] | null>(null);
  const [dryRun, setDryRun] = useState<DryRunResult | null>(null);
  const [busy, setBusy] = useState<'' | 'test' | 'dry-run'>('');
  const [confirm, setConfirm] = useState(false);
  const asked = useRef(props.activateAsk);
  useEffect(() => {
    if (props.activateAsk === asked.current) return;
    asked.current = props.activateAsk;
    setConfirm(true);
  }, [props.activateAsk]);

  const runTests = async () => {
    setBusy('test');
    try {
      setTests((await api.post<{ results: TestResult[] }>(`${path}/test`)).results);
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy('');
    }
  };
  const runDry = async () => {
    setBusy('dry-run');
    try {
      setDryRun(await api.post<DryRunResult>(`${path}/dry-run`, { limit: 200 }));
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy('');
    }
  };
  const activate = async () => {
    try {
      const a =
        v?.status === 'archived'
          ? await api.post<Activation>(`/v1/policies/${name}/rollback`, { version, message: '' })
          : await api.post<Activation>(`${path}/activate`, { message: '' });
      toast.success(
        a.kind === 'rollback' ? 'Rolled back' : 'Activated',
        `${name} v${a.to_version} is active`,
      );
      setConfirm(false);
      await reload();
      props.onChanged();
    } catch (err) {
      toast.error(err);
    }
  };

  if (error) return <ErrorState error={error} onRetry={() => void reload()} />;
  if (!v) return null;
  const rollback = v.status === 'archived';
  const failed = tests?.filter((t) => !t.passed).length ?? 0;
  return (
    <Card
      title={
        <>
          Version {v.version}{' '}
          <Badge tone={v.status === 'active' ? 'green' : v.status === 'draft' ? 'blue' : 'neutral'}>
            {v.status}
          </Badge>
        </>
      }
      actions={
        <>
          <Button small busy={busy === 'test'} onClick={() => void runTests()}>
            Run tests
          </Button>
          <Button small busy={busy === 'dry-run'} onClick={() => void runDry()}>
            Dry run
          </Button>
          {v.status !== 'active' && (
            <Button small variant="primary" onClick={() => setConfirm(true)}>
              {rollback ? `Roll back to v${v.version}` : 'Activate'}
            </Button>
          )}
        </>
      }
    >
      <p className="muted">
        {v.message || 'No message'} · {dateTime(v.created_at)}
      </p>
      <h3>Diff from the active version{v.active_version ? ` (v${v.active_version})` : ''}</h3>
      <DiffView diff={v.diff ?? ''} empty="Same as the active version." />

      {tests && (
        <section aria-label="Test results">
          <h3>
            Tests: {tests.length - failed} passed, {failed} failed
          </h3>
          <Table
            label="Test results"
            rows={tests}
            rowKey={(t) => `${t.package}.${t.name}`}
            empty={<EmptyState title="No test_ rules" />}
            columns={[
              { header: 'Test', cell: (t) => <code>{t.name}</code> },
              {
                header: 'Result',
                cell: (t) => (
                  <Badge tone={t.passed ? 'green' : 'red'}>{t.passed ? 'pass' : 'fail'}</Badge>
                ),
              },
              { header: 'ms', cell: (t) => t.duration_ms.toFixed(2) },
              { header: 'Error', cell: (t) => t.error ?? '' },
            ]}
          />
        </section>
      )}

      {dryRun && (
        <section aria-label="Dry run">
          <h3 data-testid="dry-run-summary">
            Dry run: {dryRun.flips} of {dryRun.evaluated} decisions would flip, {dryRun.changed}{' '}
            would change
          </h3>
          <Table
            label="Dry run"
            rows={dryRun.decisions}
            rowKey={(d) => d.decision_id}
            empty={<EmptyState title="No decision would change" />}
            columns={[
              { header: 'User', cell: (d) => d.github_login ?? d.user_id ?? '—' },
              { header: 'When', cell: (d) => dateTime(d.created_at) },
              { header: 'Active today', cell: (d) => showDecision(d.before) },
              {
                header: 'After',
                cell: (d) => showDecision(d.after) + (d.after_error ? ` (${d.after_error})` : ''),
              },
              { header: 'Flip', cell: (d) => (d.flipped ? <Badge tone="red">flips</Badge> : '') },
            ]}
          />
        </section>
      )}

      <ConfirmDialog
        open={confirm}
        title={rollback ? `Roll back ${name} to v${v.version}?` : `Activate ${name} v${v.version}?`}
        confirmLabel={rollback ? 'Roll back' : 'Activate'}
        onConfirm={activate}
        onClose={() => setConfirm(false)}
      >
        Every platform instance starts deciding with this version within two seconds. The change is
        audited and can be rolled back.
      </ConfirmDialog>
    </Card>
  );
}
