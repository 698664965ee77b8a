import { execFile } from 'node:child_process';
import { SPAWNER_LOST, spawner } from './spawner';

export interface ToolError extends Error {
  code: number | null;
  stderr: string;
}

/**
 * Runs a node tool (ip, nft, pasta, mount, mkfs) to completion through the agent's spawn
 * helper: forking the agent itself costs 10-30 ms in the embedded platform (and blocks its
 * event loop meanwhile), the small helper forks in about one. `background` runs it at nice 19,
 * so it takes no CPU from a sandbox start or exec. Rejects with the exit code and stderr when
 * the tool fails. A helper that died under it (killed with the agent's process group) is not the
 * tool failing: it runs again from the agent itself (these tools are idempotent clean-ups and
 * set-ups, and the helper's kills took whatever the first run had started).
 */
export function runTool(
  command: string,
  args: string[],
  options: { background?: boolean } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    const fail = (code: number | null, message?: string): void => {
      const err = new Error(message ?? `${command} exited ${code}`) as ToolError;
      err.code = code;
      err.stderr = stderr;
      reject(err);
    };
    const direct = (): void => {
      execFile(command, args, (err, _stdout, errText) => {
        stderr = String(errText ?? '');
        if (err) fail(typeof err.code === 'number' ? err.code : null, err.message);
        else resolve();
      });
    };
    const id = spawner.spawn(
      {
        command,
        args,
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
        limit: 1 << 20,
        // Refills and clean-ups no one waits for: at the lowest priority.
        ...(options.background ? { nice: 19 } : {}),
      },
      {
        spawned: () => undefined,
        output: (stream, chunk) => {
          if (stream === 'stderr' && stderr.length < 4096) stderr += chunk.toString();
        },
        exit: (code, _signal, reason, error) => {
          if (code === 0 && !error) resolve();
          else if (reason === SPAWNER_LOST) direct();
          else fail(code, error);
        },
      },
    );
    if (id === null) direct();
  });
}
