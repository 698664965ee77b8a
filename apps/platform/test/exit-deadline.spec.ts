import { spawn } from 'node:child_process';
import { builtEntry } from '../../../test/support/test-build';

const EXIT_DEADLINE = builtEntry('apps/platform/src/exit-deadline.ts');

/** Runs `body` in a plain Node process with the deadline armed; how and when it ended. */
function runArmed(
  deadlineMs: number,
  body: string,
): Promise<{ ms: number; code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-e', `require(${JSON.stringify(EXIT_DEADLINE)}).armExitDeadline(${deadlineMs}); ${body}`],
      { stdio: 'ignore' },
    );
    let armedAt = Date.now();
    child.once('spawn', () => (armedAt = Date.now()));
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ ms: Date.now() - armedAt, code, signal }));
  });
}

/**
 * The platform's exit deadline (main.ts arms it at SIGTERM/SIGINT) is a process matter, so it
 * is tested on processes: one whose stop hangs on I/O exits with status 1 at the deadline, one
 * whose event loop is blocked (no timer can fire) is killed by the watchdog thread soon after.
 */
describe('exit deadline', () => {
  it('ends a process whose stop never finishes, with status 1', async () => {
    const r = await runArmed(300, 'setInterval(() => undefined, 1000);');
    expect(r).toMatchObject({ code: 1, signal: null });
  }, 60_000);

  it('ends a process whose event loop is blocked, long before the block would end', async () => {
    // Blocked 60 s from the start (the process's own start included in the spawn-to-exit time).
    const r = await runArmed(
      300,
      'setImmediate(() => { const end = Date.now() + 60000; while (Date.now() < end); });',
    );
    expect(r.signal).toBe('SIGKILL');
    expect(r.ms).toBeLessThan(45_000);
  }, 90_000);
});
