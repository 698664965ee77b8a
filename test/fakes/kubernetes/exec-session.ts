import { spawn } from 'node:child_process';
import type { WebSocket } from 'ws';

/**
 * One exec session as the kubelet serves it over `v4.channel.k8s.io`: each message is a
 * channel byte then data (1 stdout, 2 stderr), and the end is a `Status` on channel 3,
 * Success or Failure NonZeroExitCode with the code in an ExitCode cause, then close. The
 * command runs as a local process in the Pod's directory with the container's env.
 */
export function runExecSession(
  ws: WebSocket,
  command: string[],
  place: { cwd: string; env: Record<string, string | undefined> },
  q: URLSearchParams,
): void {
  const send = (channel: number, data: Buffer | string) => {
    if (ws.readyState === ws.OPEN)
      ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
  };
  const finish = (status: Record<string, unknown>) => {
    send(3, JSON.stringify({ metadata: {}, ...status }));
    ws.close(1000);
  };
  // The process outlives a closed connection, as under a real kubelet: the caller must
  // kill what it no longer wants.
  const child = spawn(command[0], command.slice(1), {
    cwd: place.cwd,
    env: place.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (q.get('stdout') === 'true') child.stdout.on('data', (c: Buffer) => send(1, c));
  else child.stdout.resume();
  if (q.get('stderr') === 'true') child.stderr.on('data', (c: Buffer) => send(2, c));
  else child.stderr.resume();
  child.on('error', (err) =>
    finish({
      status: 'Failure',
      message: `failed to exec in container: ${err.message}`,
      reason: 'InternalError',
    }),
  );
  child.on('close', (code, signal) => {
    if (code === 0) return finish({ status: 'Success' });
    const exit = code ?? 128 + signalNumber(signal);
    finish({
      status: 'Failure',
      message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exit}`,
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: String(exit) }] },
    });
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 1;
}
