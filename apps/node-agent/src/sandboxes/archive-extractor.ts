import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ArchiveJob, ArchiveResult } from './archive-extract.worker';

/** A tar.gz that takes longer than this to unpack is cut off (the worker is terminated). */
const EXTRACT_TIMEOUT_MS = 120_000;

const failed = (message: string): ArchiveResult => ({ ok: false, reason: 'invalid', message });

/**
 * Unpacks in a worker thread, so the event loop (heartbeats, the platform in the embedded
 * default) keeps answering however hostile the archive. One worker, started on the first
 * archive and kept (unref'd) for the next ones, takes jobs one at a time; a job past its time
 * terminates it and the next job starts a fresh one. From source (ts-node, jest) the worker
 * registers the TypeScript loader itself; the built agent runs the compiled file.
 */
class ArchiveWorker {
  private worker: Worker | null = null;
  private seq = 0;
  private readonly pending = new Map<number, (r: ArchiveResult) => void>();
  private queue: Promise<unknown> = Promise.resolve();

  run(job: ArchiveJob): Promise<ArchiveResult> {
    const next = this.queue.then(() => this.runNow(job));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private runNow(job: ArchiveJob): Promise<ArchiveResult> {
    const worker = this.ensure();
    const id = ++this.seq;
    return new Promise<ArchiveResult>((resolve) => {
      const timer = setTimeout(() => {
        this.reset(`the archive took longer than ${EXTRACT_TIMEOUT_MS / 1000} s to unpack`);
      }, EXTRACT_TIMEOUT_MS);
      worker.ref();
      this.pending.set(id, (result) => {
        clearTimeout(timer);
        worker.unref();
        resolve(result);
      });
      worker.postMessage({ id, job });
    });
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const fromSource = __filename.endsWith('.ts');
    const file = join(__dirname, `archive-extract.worker${fromSource ? '.ts' : '.js'}`);
    const worker = fromSource
      ? new Worker(
          `require('ts-node').register({ transpileOnly: true, compilerOptions: { module: 'commonjs' } }); require(${JSON.stringify(file)});`,
          { eval: true },
        )
      : new Worker(file);
    worker.unref();
    worker.on('message', (msg: { id: number; result: ArchiveResult }) => {
      const done = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      done?.(msg.result);
    });
    worker.on('error', () => this.reset('the archive could not be unpacked'));
    worker.on('exit', () => {
      if (this.worker === worker) this.reset('the archive could not be unpacked');
    });
    this.worker = worker;
    return worker;
  }

  private reset(message: string): void {
    const worker = this.worker;
    this.worker = null;
    if (message.includes('longer')) {
      for (const done of this.pending.values()) done({ ok: false, reason: 'refused', message });
    } else {
      for (const done of this.pending.values()) done(failed(message));
    }
    this.pending.clear();
    void worker?.terminate();
  }
}

const shared = new ArchiveWorker();

export function extractArchive(job: ArchiveJob): Promise<ArchiveResult> {
  return shared.run(job);
}
