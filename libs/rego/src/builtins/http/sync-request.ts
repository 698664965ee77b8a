import {
  MessageChannel,
  receiveMessageOnPort,
  Worker,
  type MessagePort,
} from 'node:worker_threads';

/**
 * Synchronous HTTP for http.send: the evaluator is synchronous (as OPA's topdown), so a request
 * runs on one long-lived worker thread while the caller blocks on Atomics.wait, then reads the
 * answer with receiveMessageOnPort. The worker is unref'd: it never keeps a process alive.
 */
export interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  redirect: boolean;
}

export interface WireResponse {
  ok: boolean;
  status?: number;
  statusText?: string;
  headers?: Array<[string, string]>;
  body?: string;
  /** Network failure or timeout (OPA: eval_http_send_network_error). */
  error?: string;
}

const WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', async ({ req, port, flag }) => {
  let out;
  try {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), req.timeoutMs);
    try {
      const res = await fetch(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        redirect: req.redirect ? 'follow' : 'manual',
        signal: ctl.signal,
      });
      const body = await res.text();
      out = { ok: true, status: res.status, statusText: res.statusText,
              headers: [...res.headers.entries()], body };
    } finally {
      clearTimeout(timer);
    }
  } catch (e) {
    const cause = e && e.cause && e.cause.message ? ': ' + e.cause.message : '';
    out = { ok: false, error: (e && e.name === 'AbortError')
      ? req.method + ' ' + req.url + ': request timed out'
      : req.method + ' ' + req.url + ': ' + (e && e.message ? e.message : String(e)) + cause };
  }
  port.postMessage(out);
  port.close();
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

let worker: Worker | null = null;

function theWorker(): Worker {
  if (worker === null) {
    worker = new Worker(WORKER, { eval: true });
    worker.unref();
    worker.on('error', () => (worker = null));
    worker.on('exit', () => (worker = null));
  }
  return worker;
}

/** Sends one request and blocks until its answer (or the timeout plus a grace period). */
export function requestSync(req: WireRequest): WireResponse {
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  theWorker().postMessage({ req, port: port2, flag }, [port2 as MessagePort]);
  const waited = Atomics.wait(flag, 0, 0, req.timeoutMs + 1000);
  const msg = receiveMessageOnPort(port1);
  port1.close();
  if (waited === 'timed-out' || !msg)
    return { ok: false, error: `${req.method} ${req.url}: request timed out` };
  return msg.message as WireResponse;
}
