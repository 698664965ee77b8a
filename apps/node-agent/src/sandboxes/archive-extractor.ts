import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ArchiveJob, ArchiveResult } from './archive-extract.worker';

/** A tar.gz that takes longer than this to unpack is cut off (the worker is terminated). */
const EXTRACT_TIMEOUT_MS = 120_000;

/**
 * Unpacks in a worker thread, so the event loop (heartbeats, the platform in the embedded
 * default) keeps answering however hostile the archive. From source (ts-node, jest) the
 * worker registers the TypeScript loader itself; the built agent runs the compiled file.
 */
export function extractArchive(job: ArchiveJob): Promise<ArchiveResult> {
  const fromSource = __filename.endsWith('.ts');
  const file = join(__dirname, `archive-extract.worker${fromSource ? '.ts' : '.js'}`);
  const worker = fromSource
    ? new Worker(
        `require('ts-node').register({ transpileOnly: true, compilerOptions: { module: 'commonjs' } }); require(${JSON.stringify(file)});`,
        { eval: true, workerData: job, transferList: [] },
      )
    : new Worker(file, { workerData: job });
  return new Promise<ArchiveResult>((resolve) => {
    let settled = false;
    const settle = (result: ArchiveResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(result);
    };
    const timer = setTimeout(
      () =>
        settle({
          ok: false,
          reason: 'refused',
          message: `the archive took longer than ${EXTRACT_TIMEOUT_MS / 1000} s to unpack`,
        }),
      EXTRACT_TIMEOUT_MS,
    );
    worker.once('message', (result: ArchiveResult) => settle(result));
    worker.once('error', () =>
      settle({ ok: false, reason: 'invalid', message: 'the archive could not be unpacked' }),
    );
    worker.once('exit', () =>
      settle({ ok: false, reason: 'invalid', message: 'the archive could not be unpacked' }),
    );
  });
}
