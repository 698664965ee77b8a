import { useRef, useState } from 'react';
import { api, ApiError, streamLines } from '../../api';
import {
  Button,
  Card,
  ConfirmDialog,
  ErrorState,
  Field,
  PageHeader,
  Spinner,
} from '../../components/ui';
import { useToast } from '../../components/toasts';
import { dateTime } from '../../lib/format';
import { navigate, useParams } from '../../lib/router';
import { usePoll } from '../../lib/use-api';
import { SandboxFilesCard } from './sandbox-files';
import { Sandbox, SandboxStateBadge } from './sandboxes.page';

/** One chunk of output, or how the run ended (the NDJSON lines of POST :id/exec). */
type ExecLine =
  | { stream: 'stdout' | 'stderr'; data: string }
  | { exit_code: number | null; signal: string | null; duration_ms: number; reason?: string | null }
  | { error: { code: string; message: string } };

interface ExecRun {
  chunks: { stream: 'stdout' | 'stderr'; data: string }[];
  end: string | null;
}

const LIVE = ['pending', 'starting', 'running'];

/** The command line and its output, streamed as the program writes it. */
function ExecCard(props: { id: string; running: boolean; onDone: () => void }) {
  const toast = useToast();
  const [command, setCommand] = useState("python3 -c 'print(6*7)'");
  const [busy, setBusy] = useState(false);
  const [run, setRun] = useState<ExecRun | null>(null);
  const abort = useRef<AbortController | null>(null);

  const onLine = (line: ExecLine) =>
    setRun((prev) => {
      const r = prev ?? { chunks: [], end: null };
      if ('stream' in line) return { ...r, chunks: [...r.chunks, line] };
      if ('error' in line) return { ...r, end: `${line.error.code}: ${line.error.message}` };
      const how = line.exit_code !== null ? `exit ${line.exit_code}` : `signal ${line.signal}`;
      return {
        ...r,
        end: `${how} · ${line.duration_ms} ms${line.reason ? ` · ${line.reason}` : ''}`,
      };
    });

  async function start() {
    setBusy(true);
    setRun({ chunks: [], end: null });
    abort.current = new AbortController();
    try {
      await streamLines(
        `/v1/sandboxes/${props.id}/exec`,
        { command },
        (l) => onLine(l as ExecLine),
        abort.current.signal,
      );
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError')
        setRun((r) => r && { ...r, end: 'stopped watching (the command may still run)' });
      else if (err instanceof ApiError) {
        setRun(null);
        toast.error(err);
      } else setRun((r) => r && { ...r, end: `the stream broke: ${(err as Error).message}` });
    } finally {
      setBusy(false);
      abort.current = null;
      props.onDone();
    }
  }

  return (
    <Card title="Run a command">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <Field label="Command (sh -c)" htmlFor="exec-command">
          <input
            id="exec-command"
            className="input mono"
            value={command}
            onChange={(e) => setCommand(e.target.value)}
          />
        </Field>
        <div className="row">
          <Button type="submit" variant="primary" busy={busy} disabled={!props.running || busy}>
            Run
          </Button>
          {busy && (
            <Button type="button" onClick={() => abort.current?.abort()}>
              Stop watching
            </Button>
          )}
          {!props.running && <span className="muted">The sandbox is not running.</span>}
        </div>
      </form>
      {run && (
        <div aria-label="exec output" className="exec">
          <pre className="exec-output" aria-live="polite">
            {run.chunks.map((c, i) => (
              <span key={i} className={c.stream === 'stderr' ? 'exec-stderr' : undefined}>
                {c.data}
              </span>
            ))}
            {!run.end && <span className="exec-cursor" aria-hidden />}
          </pre>
          <p className="muted" data-testid="exec-status">
            {run.end ?? 'running…'}
          </p>
        </div>
      )}
    </Card>
  );
}

/** One sandbox: its state (live), the command line with streamed output, files, stop, delete. */
export function SandboxPage() {
  const { id } = useParams<{ id: string }>();
  const { data: sb, error, reload } = usePoll<Sandbox>(`/v1/sandboxes/${id}`, 2000);
  const toast = useToast();
  const [confirm, setConfirm] = useState<'stop' | 'delete' | null>(null);

  const stop = async () => {
    try {
      await api.post(`/v1/sandboxes/${id}/stop`);
      toast.success('Sandbox stopped', 'Its files stay downloadable until it expires.');
      setConfirm(null);
      await reload();
    } catch (err) {
      toast.error(err);
    }
  };
  const remove = async () => {
    try {
      await api.del(`/v1/sandboxes/${id}`);
      toast.success('Sandbox deleted');
      setConfirm(null);
      navigate('/sandboxes');
    } catch (err) {
      toast.error(err);
    }
  };

  if (error) return <ErrorState error={error} onRetry={reload} />;
  if (!sb) return <Spinner />;
  const live = LIVE.includes(sb.state);
  return (
    <>
      <PageHeader
        title={`Sandbox ${sb.name}`}
        description={<SandboxStateBadge sandbox={sb} />}
        actions={
          <>
            {live && <Button onClick={() => setConfirm('stop')}>Stop</Button>}
            <Button variant="danger" onClick={() => setConfirm('delete')}>
              Delete
            </Button>
          </>
        }
      />
      <div className="grid grid-2">
        <Card title="Details">
          <dl className="kv">
            <dt>Name</dt>
            <dd>{sb.name}</dd>
            <dt>ID</dt>
            <dd>
              <code>{sb.id}</code>
            </dd>
            <dt>Runtime</dt>
            <dd>{sb.runtime}</dd>
            <dt>Resources</dt>
            <dd>
              {sb.resources.cpu} CPU · {sb.resources.memory_mb} MB · {sb.resources.gpus} GPU
            </dd>
            <dt>Network</dt>
            <dd>{sb.network}</dd>
            <dt>Node</dt>
            <dd data-testid="sandbox-node">{sb.node_name ?? (sb.node_id ? 'unnamed' : '—')}</dd>
            <dt>Subsidy</dt>
            <dd>
              {sb.subsidy.tier ?? '—'} (pays ×{sb.subsidy.rate_multiplier ?? 1})
            </dd>
            <dt>Expires</dt>
            <dd>{dateTime(sb.expires_at)}</dd>
          </dl>
        </Card>
        <ExecCard id={sb.id} running={sb.state === 'running'} onDone={() => void reload()} />
      </div>
      <SandboxFilesCard id={sb.id} available={sb.state === 'running' || sb.state === 'stopped'} />
      <ConfirmDialog
        open={confirm === 'stop'}
        title={`Stop ${sb.name}?`}
        confirmLabel="Stop sandbox"
        onConfirm={stop}
        onClose={() => setConfirm(null)}
      >
        <p>
          Running commands end. Its files stay downloadable until {dateTime(sb.expires_at)}; it
          cannot be started again.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={confirm === 'delete'}
        title={`Delete ${sb.name}?`}
        confirmLabel="Delete sandbox"
        onConfirm={remove}
        onClose={() => setConfirm(null)}
      >
        <p>The sandbox and every file in it are gone for good.</p>
      </ConfirmDialog>
    </>
  );
}
