import { Worker } from 'node:worker_threads';

/** How much later than the main thread's exit the watchdog thread kills the process. */
const WATCHDOG_GRACE_MS = 500;

/**
 * The last word on a stop: the process is gone `ms` after this call, whatever the graceful
 * stop is still doing. The main thread exits with `code` at the deadline. A timer cannot fire
 * while the main thread's event loop is blocked (a long synchronous call, a WASM query), so a
 * watchdog thread with a loop of its own SIGKILLs the process `WATCHDOG_GRACE_MS` later if it
 * is still there. The thread dies with the process, so it can never kill a reused pid.
 *
 * @example
 * process.on('SIGTERM', () => {
 *   armExitDeadline(9000);
 *   void platform.close().finally(() => process.exit(0));
 * });
 */
export function armExitDeadline(ms: number, code = 1): void {
  const at = Date.now() + ms;
  setTimeout(() => process.exit(code), ms).unref();
  // The deadline is absolute: the thread's own start may be slow on a loaded machine.
  const watchdog = new Worker(
    `const { workerData: w } = require('node:worker_threads');
     setTimeout(() => process.kill(w.pid, 'SIGKILL'), Math.max(0, w.at - Date.now()));`,
    { eval: true, workerData: { pid: process.pid, at: at + WATCHDOG_GRACE_MS } },
  );
  watchdog.unref();
}
