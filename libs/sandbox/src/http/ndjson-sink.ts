import type { Response } from 'express';
import type { ExecResult, ExecSink } from '../services/sandbox-exec.service';

/**
 * Exec output as NDJSON lines on a chunked response, written as each chunk arrives:
 * `{"stream":"stdout","data":"..."}` ..., then `{"exit_code":0,"signal":null,"duration_ms":12}`.
 */
export class NdjsonSink implements ExecSink {
  constructor(private readonly res: Response) {
    res.status(200);
    res.setHeader('content-type', 'application/x-ndjson; charset=utf-8');
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-accel-buffering', 'no');
    res.socket?.setNoDelay(true);
    res.flushHeaders();
  }

  output(stream: 'stdout' | 'stderr', data: string): void {
    this.res.write(JSON.stringify({ stream, data }) + '\n');
  }

  exit(result: ExecResult): void {
    this.res.end(JSON.stringify(result) + '\n');
  }

  /** Headers are gone already: a failure mid-stream is the last line. */
  fail(err: { code?: string; message: string }): void {
    this.res.end(
      JSON.stringify({ error: { code: err.code ?? 'internal', message: err.message } }) + '\n',
    );
  }
}
