import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import type { ApiRequestCount } from './api-request-meter';

/**
 * Closed `api_requests` windows not yet committed, kept in a local file so a `kill -9` of the
 * platform loses only the window still open. With the embedded database a commit waits behind
 * every query of the one connection, and under load a window took seconds to reach it: the
 * journal makes a closed window durable at once (an append that lands in the page cache, which
 * outlives the process). The next start writes back what it finds; the windows' transaction
 * ids make a window that did commit a no-op the second time.
 *
 * Only for the embedded database: its data directory belongs to one process. (PostgreSQL
 * replicas commit their windows within the flush period on their own.)
 */
export class ApiRequestJournal {
  constructor(private readonly file: string) {}

  /** Adds closed windows (one line each). */
  append(windows: ApiRequestCount[][]): void {
    appendFileSync(this.file, windows.map((w) => `${JSON.stringify(w)}\n`).join(''), {
      mode: 0o600,
    });
  }

  /** Replaces the file's content with the windows still pending (none: empty). */
  replace(windows: ApiRequestCount[][]): void {
    writeFileSync(this.file, windows.map((w) => `${JSON.stringify(w)}\n`).join(''), {
      mode: 0o600,
    });
  }

  /** The windows a previous process closed and may not have committed. */
  read(): ApiRequestCount[][] {
    let text = '';
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    const out: ApiRequestCount[][] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const raw = JSON.parse(line) as Array<
          ApiRequestCount & { windowStart: string; windowEnd: string }
        >;
        out.push(
          raw.map((c) => ({
            ...c,
            windowStart: new Date(c.windowStart),
            windowEnd: new Date(c.windowEnd),
          })),
        );
      } catch {
        // a line cut by the kill: its window was still in memory only
      }
    }
    return out;
  }
}
