import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApisixAdminFake } from './apisix-admin-fake';

/**
 * The data plane of the fake: serves requests from what the Admin API fake stores, applying the
 * plugins Nanopod configures as APISIX does (../shared/reference/apisix.md):
 * route match by uri/uris glob and priority; `forward-auth` (GET to `uri` with the client's
 * `request_headers` and X-Forwarded-*, an answer >= 300 returned to the client as is with its
 * `client_headers`, otherwise its `upstream_headers` set on the request, absent ones removed);
 * `limit-count` with `rules` (a rule whose key variable is unset is skipped, none left -> 500;
 * a fixed window from the key's first request; over `count` -> `rejected_code` with
 * `{"error_msg": rejected_msg}`). Instead of proxying, the upstream answer is 200 with the
 * route id and the request headers the upstream would receive, so tests see what APISIX sends.
 */
export class ApisixGatewayFake {
  url = '';
  private server: Server | null = null;
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly admin: ApisixAdminFake) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private match(path: string): Record<string, unknown> | null {
    const glob = (pattern: string) =>
      pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern;
    const routes = [...this.admin.state('routes').values()].filter((r) => {
      const uris = (r.uris as string[] | undefined) ?? [r.uri as string];
      return r.status !== 0 && uris.some(glob);
    });
    routes.sort((a, b) => ((b.priority as number) ?? 0) - ((a.priority as number) ?? 0));
    return routes[0] ?? null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const route = this.match(url.pathname);
    if (!route) return send(res, 404, { error_msg: '404 Route Not Found' });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const plugins = (route.plugins ?? {}) as Record<string, Record<string, any>>;
    const auth = plugins['forward-auth'];
    if (auth) {
      const sent: Record<string, string> = {
        'X-Forwarded-Proto': 'http',
        'X-Forwarded-Method': req.method ?? 'GET',
        'X-Forwarded-Host': headers.host ?? '',
        'X-Forwarded-Uri': req.url ?? '/',
        'X-Forwarded-For': req.socket.remoteAddress ?? '',
      };
      for (const h of auth.request_headers as string[]) {
        const v = headers[h.toLowerCase()];
        if (v !== undefined) sent[h] = v;
      }
      let answer: Response;
      try {
        answer = await fetch(auth.uri as string, {
          method: auth.request_method as string,
          headers: sent,
          signal: AbortSignal.timeout(auth.timeout as number),
        });
      } catch {
        return send(res, auth.status_on_error as number, '');
      }
      if (answer.status >= 300) {
        const extra: Record<string, string> = {};
        for (const h of auth.client_headers as string[]) {
          const v = answer.headers.get(h);
          if (v !== null) extra[h] = v;
        }
        return send(res, answer.status, await answer.text(), extra);
      }
      await answer.arrayBuffer();
      for (const h of auth.upstream_headers as string[]) {
        const v = answer.headers.get(h);
        if (v === null) delete headers[h.toLowerCase()];
        else headers[h.toLowerCase()] = v;
      }
    }
    const limit = plugins['limit-count'];
    if (limit) {
      const rules = (limit.rules as
        Array<{ count: number; time_window: number; key: string }> | undefined) ?? [
        { count: limit.count, time_window: limit.time_window, key: `$${limit.key}` },
      ];
      const vars = (name: string): string | undefined =>
        name.startsWith('http_')
          ? headers[name.slice(5).replace(/_/g, '-')]
          : name === 'remote_addr'
            ? (req.socket.remoteAddress ?? undefined)
            : undefined;
      const live = rules
        .map((r) => ({ ...r, value: vars(r.key.replace(/^\$/, '')) }))
        .filter((r) => r.value !== undefined);
      if (live.length === 0) return send(res, 500, '');
      for (const r of live) {
        const key = `${route.id as string}:${r.key}:${r.value}`;
        const now = Date.now();
        let w = this.windows.get(key);
        if (!w || now - w.start >= r.time_window * 1000) w = { start: now, count: 0 };
        w.count++;
        this.windows.set(key, w);
        if (w.count > r.count) {
          return send(
            res,
            limit.rejected_code as number,
            limit.rejected_msg ? { error_msg: limit.rejected_msg } : '',
            {
              'X-RateLimit-Limit': String(r.count),
              'X-RateLimit-Remaining': '0',
            },
          );
        }
      }
    }
    send(res, 200, { route: route.id, upstream_headers: headers });
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(text);
}
