import { useState } from 'react';
import { api } from '../../api';
import { useToast } from '../../components/toasts';
import {
  Badge,
  Button,
  Card,
  ErrorState,
  PageHeader,
  Spinner,
  Table,
  Tone,
} from '../../components/ui';
import { relativeTime } from '../../lib/format';
import { useApi } from '../../lib/use-api';
import type { Reputation, ReputationPart } from './reputation-types';
import { WalletCard } from './wallet-card';

const statusTone: Record<string, Tone> = {
  ok: 'green',
  partial: 'yellow',
  unknown: 'red',
  not_linked: 'neutral',
};
const sourceName: Record<string, string> = { github: 'GitHub', passport: 'Gitcoin Passport' };

export function ReputationPage() {
  const toast = useToast();
  const { data, error, reload, setData } = useApi<Reputation>('/v1/me/reputation');
  const [busy, setBusy] = useState(false);

  const refresh = async () => {
    setBusy(true);
    try {
      setData(await api.post<Reputation>('/v1/me/reputation/refresh'));
      toast.success('Reputation refreshed');
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader
        title="Reputation"
        description="Your score decides your subsidy tier, together with any grant you hold."
        actions={
          <Button variant="primary" busy={busy} onClick={() => void refresh()}>
            Refresh now
          </Button>
        }
      />
      {error && <ErrorState error={error} onRetry={() => void reload()} />}
      {!data && !error && <Spinner />}
      {data && (
        <div className="grid grid-2">
          <Card title="Score">
            <div className="stat-label">Reputation score</div>
            <div className="stat-value" data-testid="reputation-score">
              {data.score === null ? 'Unknown' : `${data.score} / 100`}
            </div>
            <p>
              <Badge tone={statusTone[data.status]}>{data.status}</Badge>{' '}
              <span className="muted">computed {relativeTime(data.computed_at)}</span>
            </p>
            <p className="muted">{data.explanation}</p>
          </Card>
          <WalletCard onLinked={() => void reload()} />
        </div>
      )}
      {data && (
        <Card title="Parts">
          <Table<ReputationPart>
            label="Reputation parts"
            rows={data.parts}
            rowKey={(p) => p.source}
            columns={[
              { header: 'Source', cell: (p) => sourceName[p.source] ?? p.source },
              {
                header: 'Status',
                cell: (p) => (
                  <>
                    <Badge tone={statusTone[p.status]}>{p.status}</Badge>
                    {p.reason && <div className="muted">{p.reason}</div>}
                  </>
                ),
              },
              { header: 'Points', cell: (p) => (p.value === null ? '?' : `${p.value} / ${p.max}`) },
              { header: 'Explanation', cell: (p) => p.explanation },
              { header: 'Fetched', cell: (p) => (p.fetched_at ? relativeTime(p.fetched_at) : '—') },
            ]}
          />
        </Card>
      )}
    </>
  );
}
