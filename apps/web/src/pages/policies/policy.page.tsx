import { useEffect, useState } from 'react';
import { api, ApiError } from '../../api';
import {
  Badge,
  Button,
  Card,
  ErrorState,
  Field,
  PageHeader,
  Spinner,
  Table,
} from '../../components/ui';
import { useToast } from '../../components/toasts';
import { dateTime } from '../../lib/format';
import { useParams } from '../../lib/router';
import { useApi } from '../../lib/use-api';
import type { Activation, PolicyDetail, PolicyProblem, PolicyVersion } from './policy-types';
import { RegoEditor } from './rego-editor';
import { VersionPanel } from './version-panel';

function problemsOf(err: unknown): PolicyProblem[] | null {
  if (!(err instanceof ApiError) || err.code !== 'policy.invalid') return null;
  return (err.details as { errors?: PolicyProblem[] } | undefined)?.errors ?? [];
}

/** Admin: edit one policy, see its errors in place, save drafts, test, dry-run, activate. */
export function PolicyPage() {
  const { name } = useParams<{ name: string }>();
  const toast = useToast();
  const detail = useApi<PolicyDetail>(`/v1/policies/${name}`);
  const versions = useApi<{ data: PolicyVersion[] }>(`/v1/policies/${name}/versions`);
  const log = useApi<{ data: Activation[] }>(`/v1/policies/${name}/log`);
  const [source, setSource] = useState<string | null>(null);
  const [message, setMessage] = useState('');
  const [problems, setProblems] = useState<PolicyProblem[]>([]);
  const [checked, setChecked] = useState<'valid' | 'invalid' | null>(null);
  const [saving, setSaving] = useState(false);
  const [selected, setSelected] = useState<number | null>(null);
  // Bumped by the toolbar's Activate: the version panel opens its confirmation.
  const [activateAsk, setActivateAsk] = useState(0);
  const file = `${name}.rego`;

  useEffect(() => {
    if (source === null && detail.data) setSource(detail.data.active?.source ?? '');
  }, [detail.data, source]);

  const showProblems = (list: PolicyProblem[]) => {
    setProblems(list);
    setChecked(list.length === 0 ? 'valid' : 'invalid');
  };

  const validate = async () => {
    try {
      const r = await api.post<{ errors: PolicyProblem[] }>(`/v1/policies/${name}/validate`, {
        source: source ?? '',
      });
      showProblems(r.errors);
    } catch (err) {
      toast.error(err);
    }
  };

  const save = async () => {
    setSaving(true);
    try {
      const v = await api.post<PolicyVersion>(`/v1/policies/${name}/versions`, {
        source: source ?? '',
        message,
      });
      showProblems([]);
      setMessage('');
      toast.success('Draft saved', `${name} v${v.version}`);
      await versions.reload();
      setSelected(v.version);
    } catch (err) {
      const list = problemsOf(err);
      if (list) showProblems(list);
      else toast.error(err);
    } finally {
      setSaving(false);
    }
  };

  const refreshAll = () => {
    void detail.reload();
    void versions.reload();
    void log.reload();
  };

  if (detail.error) return <ErrorState error={detail.error} onRetry={() => void detail.reload()} />;
  if (!detail.data || source === null) return <Spinner />;
  const selectedVersion = versions.data?.data.find((v) => v.version === selected);
  return (
    <>
      <PageHeader
        title={`Policy ${name}`}
        description={
          <>
            <code>{detail.data.package}</code> · active{' '}
            {detail.data.active_version ? `v${detail.data.active_version}` : 'none'}
          </>
        }
      />
      <div className="sticky-toolbar" role="toolbar" aria-label="Policy actions">
        <span className="muted">
          <code>{file}</code>
          {checked === 'valid' ? ' · compiles' : checked === 'invalid' ? ' · has errors' : ''}
        </span>
        <div className="toolbar-actions">
          <Button small onClick={() => void validate()}>
            Validate
          </Button>
          <Button small variant="primary" busy={saving} onClick={() => void save()}>
            Save draft
          </Button>
          {selectedVersion && selectedVersion.status !== 'active' && (
            <Button
              small
              onClick={() => {
                setActivateAsk((n) => n + 1);
              }}
            >
              {selectedVersion.status === 'archived'
                ? `Roll back to v${selectedVersion.version}…`
                : `Activate v${selectedVersion.version}…`}
            </Button>
          )}
        </div>
      </div>
      <Card title="Editor">
        <RegoEditor value={source} onChange={setSource} problems={problems} file={file} />
        {checked === 'valid' && (
          <p className="muted" data-testid="policy-valid">
            ✓ Compiles with the other active policies.
          </p>
        )}
        {problems.length > 0 && (
          <ul className="policy-problems" role="alert" aria-label="Policy errors">
            {problems.map((p, i) => (
              <li key={i}>
                <code>
                  {p.file ?? file}:{p.row ?? '?'}:{p.col ?? '?'}
                </code>{' '}
                <strong>{p.code}</strong>: {p.message}
              </li>
            ))}
          </ul>
        )}
        <Field label="Message" htmlFor="policy-message">
          <input
            id="policy-message"
            className="input"
            value={message}
            placeholder="What changed, and why"
            onChange={(e) => setMessage(e.target.value)}
          />
        </Field>
      </Card>

      <div className="grid grid-2">
        <Card title="Versions">
          <Table
            label="Versions"
            rows={versions.data?.data}
            rowKey={(v) => String(v.version)}
            onRowClick={(v) => setSelected(v.version)}
            columns={[
              { header: 'Version', cell: (v) => `v${v.version}` },
              {
                header: 'Status',
                cell: (v) => (
                  <Badge
                    tone={
                      v.status === 'active' ? 'green' : v.status === 'draft' ? 'blue' : 'neutral'
                    }
                  >
                    {v.status}
                  </Badge>
                ),
              },
              { header: 'Created', cell: (v) => dateTime(v.created_at) },
              { header: 'Message', cell: (v) => v.message },
            ]}
          />
        </Card>
        <Card title="Activation log">
          <Table
            label="Activation log"
            rows={log.data?.data}
            rowKey={(a) => a.id}
            columns={[
              { header: 'When', cell: (a) => dateTime(a.created_at) },
              { header: 'Kind', cell: (a) => a.kind },
              { header: 'From → to', cell: (a) => `${a.from_version ?? '–'} → ${a.to_version}` },
              { header: 'Message', cell: (a) => a.message },
            ]}
          />
        </Card>
      </div>

      {selected !== null && (
        <VersionPanel
          key={selected}
          name={name}
          version={selected}
          onChanged={refreshAll}
          activateAsk={activateAsk}
        />
      )}
    </>
  );
}
