import { useState } from 'react';
import { api } from '../../api';
import { Button, Card, ErrorState, Field, PageHeader, Spinner } from '../../components/ui';
import { useToast } from '../../components/toasts';
import { dateTime } from '../../lib/format';
import { useParams } from '../../lib/router';
import { usePoll } from '../../lib/use-api';
import { Sandbox, SandboxStateBadge } from './sandboxes.page';

interface ExecResult {
  stdout: string;
  stderr: string;
  exit_code: number | null;
  signal: string | null;
  duration_ms: number;
  reason: string | null;
}

/** One sandbox: its state (live), and a command line with the output of the last run. */
export function SandboxPage() {
  const { id } = useParams<{ id: string }>();
  const { data: sb, error, reload } = usePoll<Sandbox>(`/v1/sandboxes/${id}`, 2000);
  const toast = useToast();
  const [command, setCommand] = useState("python3 -c 'print(6*7)'");
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<ExecResult | null>(null);

  async function run() {
    setRunning(true);
    try {
      setResult(await api.post<ExecResult>(`/v1/sandboxes/${id}/exec?wait=true`, { command }));
      reload();
    } catch (err) {
      toast.error(err);
    } finally {
      setRunning(false);
    }
  }

  if (error) return <ErrorState error={error} onRetry={reload} />;
  if (!sb) return <Spinner />;
  return (
    <>
      <PageHeader title={`Sandbox ${sb.name}`} description={<SandboxStateBadge sandbox={sb} />} />
      <div className="grid grid-2">
        <Card title="Details">
          <dl className="kv">
            <dt>Name</dt>
            <dd>{sb.name}</dd>
            <dt>ID</dt>
            <dd>{sb.id}</dd>
            <dt>Runtime</dt>
            <dd>{sb.runtime}</dd>
            <dt>Resources</dt>
            <dd>
              {sb.resources.cpu} CPU · {sb.resources.memory_mb} MB · {sb.resources.gpus} GPU
            </dd>
            <dt>Network</dt>
            <dd>{sb.network}</dd>
            <dt>Node</dt>
            <dd>{sb.node_id ?? '—'}</dd>
            <dt>Subsidy</dt>
            <dd>
              {sb.subsidy.tier ?? '—'} (pays ×{sb.subsidy.rate_multiplier ?? 1})
            </dd>
            <dt>Expires</dt>
            <dd>{dateTime(sb.expires_at)}</dd>
          </dl>
        </Card>
        <Card title="Run a command">
          <Field label="Command (sh -c)" htmlFor="exec-command">
            <input
              id="exec-command"
              className="input"
              value={command}
              onChange={(e) => setCommand(e.target.value)}
            />
          </Field>
          <Button variant="primary" busy={running} onClick={() => void run()}>
            Run
          </Button>
          {result && (
            <div aria-label="exec output">
              <p>
                exit {result.exit_code ?? result.signal} · {result.duration_ms} ms
                {result.reason ? ` · ${result.reason}` : ''}
              </p>
              <pre className="exec-output">{result.stdout}</pre>
              {result.stderr && <pre className="exec-output exec-stderr">{result.stderr}</pre>}
            </div>
          )}
        </Card>
      </div>
    </>
  );
}
