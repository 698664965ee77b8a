import { FormEvent, useState } from 'react';
import { api } from '../../api';
import type { components } from '../../generated/api-types';
import { useToast } from '../../components/toasts';
import {
  Badge,
  Button,
  Card,
  ConfirmDialog,
  CopyButton,
  EmptyState,
  Field,
  Modal,
  PageHeader,
  Table,
  Tone,
} from '../../components/ui';
import { dateTime, relativeTime } from '../../lib/format';
import { useMe } from '../../lib/me';
import { useApi } from '../../lib/use-api';

type ApiKey = components['schemas']['ApiKeyDto'];
type CreatedApiKey = components['schemas']['CreatedApiKeyDto'];

const statusTone: Record<ApiKey['status'], Tone> = {
  active: 'green',
  revoked: 'red',
  expired: 'yellow',
};

const expiryChoices = [
  { label: 'Never', days: 0 },
  { label: '7 days', days: 7 },
  { label: '30 days', days: 30 },
  { label: '90 days', days: 90 },
  { label: '1 year', days: 365 },
];

function CreateKeyDialog(props: {
  open: boolean;
  onClose: () => void;
  onCreated: (k: CreatedApiKey) => void;
}) {
  const { isAdmin } = useMe();
  const toast = useToast();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['read', 'write']);
  const [expiryDays, setExpiryDays] = useState(90);
  const [busy, setBusy] = useState(false);
  const allScopes = isAdmin ? ['read', 'write', 'admin'] : ['read', 'write'];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const body: { name: string; scopes: string[]; expires_at?: string } = {
        name: name.trim(),
        scopes,
      };
      if (expiryDays > 0)
        body.expires_at = new Date(Date.now() + expiryDays * 86400_000).toISOString();
      const created = await api.post<CreatedApiKey>('/v1/api-keys', body);
      setName('');
      props.onCreated(created);
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={props.open}
      title="Create API key"
      onClose={props.onClose}
      footer={
        <>
          <Button onClick={props.onClose}>Cancel</Button>
          <Button
            variant="primary"
            type="submit"
            form="create-key"
            busy={busy}
            disabled={!name.trim() || scopes.length === 0}
          >
            Create key
          </Button>
        </>
      }
    >
      <form id="create-key" onSubmit={(e) => void submit(e)}>
        <Field label="Name" htmlFor="key-name" hint="To recognize it later, e.g. where it is used.">
          <input
            id="key-name"
            className="input"
            value={name}
            maxLength={100}
            placeholder="ci-runner"
            onChange={(e) => setName(e.target.value)}
          />
        </Field>
        <Field label="Scopes">
          <div className="checks">
            {allScopes.map((s) => (
              <label key={s} className="check">
                <input
                  type="checkbox"
                  checked={scopes.includes(s)}
                  onChange={(e) =>
                    setScopes((cur) =>
                      e.target.checked ? [...cur, s] : cur.filter((x) => x !== s),
                    )
                  }
                />
                {s}
              </label>
            ))}
          </div>
        </Field>
        <Field label="Expires" htmlFor="key-expiry">
          <select
            id="key-expiry"
            className="input"
            value={expiryDays}
            onChange={(e) => setExpiryDays(Number(e.target.value))}
          >
            {expiryChoices.map((c) => (
              <option key={c.days} value={c.days}>
                {c.label}
              </option>
            ))}
          </select>
        </Field>
      </form>
    </Modal>
  );
}

function SecretDialog(props: { created: CreatedApiKey | null; onClose: () => void }) {
  return (
    <Modal
      open={props.created !== null}
      title="Your new API key"
      onClose={props.onClose}
      footer={
        <Button variant="primary" onClick={props.onClose}>
          Done
        </Button>
      }
    >
      <p>
        Copy it now: this is the <strong>only time</strong> the secret is shown. Only its hash is
        kept.
      </p>
      <div className="secret">
        <code data-testid="api-key-secret">{props.created?.secret}</code>
        <CopyButton text={props.created?.secret ?? ''} />
      </div>
      <p className="muted">
        Use it as <code>Authorization: Bearer …</code> or <code>export NANOPOD_API_KEY=…</code>.
      </p>
    </Modal>
  );
}

export function ApiKeysPage() {
  const toast = useToast();
  const keys = useApi<{ data: ApiKey[] }>('/v1/api-keys');
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);

  const revoke = async (key: ApiKey) => {
    try {
      await api.del(`/v1/api-keys/${key.id}`);
      toast.success('Key revoked', `${key.name} (${key.prefix}) no longer works.`);
      setRevoking(null);
      await keys.reload();
    } catch (err) {
      toast.error(err);
    }
  };

  const newButton = (
    <Button variant="primary" onClick={() => setCreating(true)}>
      Create API key
    </Button>
  );

  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys for the CLI, scripts and the gateway. Each is shown once and can be revoked at any time."
        actions={newButton}
      />
      <Card>
        {keys.error ? (
          <EmptyState title="Could not load your keys">
            <code>{keys.error.code}</code> {keys.error.message}
          </EmptyState>
        ) : (
          <Table
            label="API keys"
            rows={keys.data?.data}
            rowKey={(k) => k.id}
            empty={
              <EmptyState title="No API keys yet" action={newButton}>
                Create one to use the CLI or call the API from your code.
              </EmptyState>
            }
            columns={[
              { header: 'Name', cell: (k) => <strong>{k.name}</strong> },
              { header: 'Key', cell: (k) => <code>{k.prefix}…</code> },
              {
                header: 'Scopes',
                cell: (k) => k.scopes.map((s) => <Badge key={s}>{s}</Badge>),
              },
              {
                header: 'Status',
                cell: (k) => <Badge tone={statusTone[k.status]}>{k.status}</Badge>,
              },
              {
                header: 'Created',
                cell: (k) => (
                  <span title={dateTime(k.created_at)}>{relativeTime(k.created_at)}</span>
                ),
              },
              {
                header: 'Last used',
                cell: (k) => (
                  <span title={dateTime(k.last_used_at)}>
                    {k.last_used_at ? relativeTime(k.last_used_at) : 'never'}
                  </span>
                ),
              },
              {
                header: 'Expires',
                cell: (k) => (
                  <span title={dateTime(k.expires_at)}>
                    {k.expires_at ? relativeTime(k.expires_at) : 'never'}
                  </span>
                ),
              },
              {
                header: '',
                className: 'actions',
                cell: (k) =>
                  k.status === 'active' ? (
                    <Button
                      small
                      variant="ghost"
                      className="danger-text"
                      onClick={() => setRevoking(k)}
                      aria-label={`Revoke ${k.name}`}
                    >
                      Revoke
                    </Button>
                  ) : null,
              },
            ]}
          />
        )}
      </Card>
      <CreateKeyDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(k) => {
          setCreating(false);
          setCreated(k);
          void keys.reload();
        }}
      />
      <SecretDialog created={created} onClose={() => setCreated(null)} />
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke API key?"
        confirmLabel="Revoke key"
        onClose={() => setRevoking(null)}
        onConfirm={() => (revoking ? revoke(revoking) : undefined)}
      >
        <p>
          <strong>{revoking?.name}</strong> (<code>{revoking?.prefix}…</code>) stops working at
          once, everywhere. This cannot be undone.
        </p>
      </ConfirmDialog>
    </>
  );
}
