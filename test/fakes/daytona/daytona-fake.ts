import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';

/**
 * A fake of the Daytona API and its toolbox, speaking the request and response shapes of
 * @daytonaio/sdk 0.218's generated clients (@daytona/api-client, @daytona/toolbox-api-client):
 *
 *   POST   /sandbox                          CreateSandbox        -> 200 Sandbox (state "started")
 *   GET    /sandbox/{id}                                          -> Sandbox | 404
 *   GET    /sandbox/{id}/toolbox-proxy-url                        -> {url}
 *   POST   /sandbox/{id}/start | /stop                            -> 200 Sandbox | empty
 *   DELETE /sandbox/{id}                                          -> 200 empty
 *   POST   {toolbox}/{id}/process/execute    {command,cwd,envs,timeout} -> {exitCode,result}
 *   POST   {toolbox}/{id}/files/bulk-upload  multipart files[i].path + files[i].file
 *   POST   {toolbox}/{id}/files/bulk-download {paths}             -> multipart, part "file"
 *                                                                    named by its path
 *   GET    {toolbox}/{id}/files?path=                             -> FileInfo[]
 *   DELETE {toolbox}/{id}/files?path=
 *
 * Errors are NestJS-shaped `{statusCode,message,error}`. Every call needs
 * `Authorization: Bearer <apiKey>`. A sandbox's file system is a temp dir on this host and
 * commands run there with `sh -c`: a stand-in for the remote machine, enough to test a client.
 */
export class DaytonaFake {
  readonly apiKey = `dtn_${randomUUID().replace(/-/g, '')}`;
  readonly sandboxes = new Map<string, FakeSandbox>();
  readonly requests: Array<{ method: string; path: string }> = [];
  private server!: Server;
  private readonly root = mkdtempSync(join(tmpdir(), 'daytona-fake-'));
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => this.error(res, 500, err.message));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
    rmSync(this.root, { recursive: true, force: true });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    this.requests.push({ method: req.method ?? 'GET', path });
    if (req.headers.authorization !== `Bearer ${this.apiKey}`)
      return this.error(res, 401, 'Invalid API key');
    const body = await readBody(req);

    if (req.method === 'POST' && path === '/sandbox')
      return this.create(res, JSON.parse(body.toString() || '{}'));
    let m = /^\/sandbox\/([^/]+)(\/[a-z-]+)?$/.exec(path);
    if (m) {
      const sandbox = this.sandboxes.get(decodeURIComponent(m[1]));
      if (!sandbox) return this.error(res, 404, `Sandbox with ID or name ${m[1]} not found`);
      const action = m[2];
      if (req.method === 'GET' && !action) return this.json(res, 200, this.view(sandbox));
      if (req.method === 'GET' && action === '/toolbox-proxy-url')
        return this.json(res, 200, { url: `${this.url}/toolbox` });
      if (req.method === 'POST' && action === '/start') {
        sandbox.state = 'started';
        return this.json(res, 200, this.view(sandbox));
      }
      if (req.method === 'POST' && action === '/stop') {
        sandbox.state = 'stopped';
        res.writeHead(200).end();
        return;
      }
      if (req.method === 'DELETE' && !action) {
        this.sandboxes.delete(sandbox.id);
        rmSync(sandbox.home, { recursive: true, force: true });
        res.writeHead(200).end();
        return;
      }
    }
    m = /^\/toolbox\/([^/]+)(\/.*)$/.exec(path);
    if (m) {
      const sandbox = this.sandboxes.get(decodeURIComponent(m[1]));
      if (!sandbox) return this.error(res, 404, 'Sandbox not found');
      if (sandbox.state !== 'started') return this.error(res, 400, 'Sandbox is not running');
      return this.toolbox(
        sandbox,
        req.method ?? 'GET',
        m[2],
        url.searchParams,
        req.headers['content-type'] ?? '',
        body,
        res,
      );
    }
    this.error(res, 404, `Cannot ${req.method} ${path}`);
  }

  private create(res: ServerResponse, body: Record<string, unknown>): void {
    if (body.snapshot && body.buildInfo)
      return this.error(res, 400, 'Cannot specify both snapshot and buildInfo');
    if (body.snapshot && (body.cpu || body.memory || body.disk || body.gpu)) {
      return this.error(res, 400, 'Cannot specify Sandbox resources when using a snapshot');
    }
    const id = randomUUID();
    const home = join(this.root, id);
    mkdirSync(home, { recursive: true });
    const sandbox: FakeSandbox = {
      id,
      home,
      state: 'started',
      env: (body.env as Record<string, string>) ?? {},
      labels: (body.labels as Record<string, string>) ?? {},
      networkBlockAll: Boolean(body.networkBlockAll),
      autoStopInterval: typeof body.autoStopInterval === 'number' ? body.autoStopInterval : 15,
      createdAt: new Date().toISOString(),
    };
    this.sandboxes.set(id, sandbox);
    this.json(res, 200, this.view(sandbox));
  }

  private view(s: FakeSandbox): Record<string, unknown> {
    return {
      id: s.id,
      organizationId: 'org_fake',
      name: s.id,
      snapshot: 'daytona-small',
      user: 'daytona',
      env: s.env,
      labels: s.labels,
      public: false,
      networkBlockAll: s.networkBlockAll,
      target: 'us',
      cpu: 1,
      gpu: 0,
      memory: 1,
      disk: 3,
      state: s.state,
      backupState: 'None',
      autoStopInterval: s.autoStopInterval,
      autoArchiveInterval: 10080,
      autoDeleteInterval: -1,
      volumes: [],
      createdAt: s.createdAt,
      updatedAt: new Date().toISOString(),
      toolboxProxyUrl: `${this.url}/toolbox`,
    };
  }

  private async toolbox(
    sandbox: FakeSandbox,
    method: string,
    path: string,
    query: URLSearchParams,
    contentType: string,
    body: Buffer,
    res: ServerResponse,
  ): Promise<void> {
    if (method === 'POST' && path === '/process/execute') {
      const request = JSON.parse(body.toString()) as {
        command: string;
        cwd?: string;
        envs?: Record<string, string>;
        timeout?: number;
      };
      const cwd = this.resolve(sandbox, request.cwd ?? '.');
      if (!cwd) return this.error(res, 400, 'invalid cwd');
      return this.json(
        res,
        200,
        await execute(
          request.command,
          cwd,
          { ...sandbox.env, ...request.envs },
          request.timeout ?? 10,
        ),
      );
    }
    if (method === 'POST' && path === '/files/bulk-upload') {
      const parts = parseMultipart(body, contentType);
      const paths = new Map<string, string>();
      for (const part of parts) {
        const m = /^files\[(\d+)\]\.path$/.exec(part.name);
        if (m) paths.set(m[1], part.data.toString());
      }
      for (const part of parts) {
        const m = /^files\[(\d+)\]\.file$/.exec(part.name);
        if (!m) continue;
        const target = this.resolve(sandbox, paths.get(m[1]) ?? '');
        if (!target) return this.error(res, 400, 'invalid path');
        await fs.mkdir(dirname(target), { recursive: true });
        await fs.writeFile(target, part.data);
      }
      res.writeHead(200).end();
      return;
    }
    if (method === 'POST' && path === '/files/bulk-download') {
      const { paths } = JSON.parse(body.toString()) as { paths: string[] };
      const boundary = `fake${randomUUID().replace(/-/g, '')}`;
      const chunks: Buffer[] = [];
      for (const p of paths) {
        const target = this.resolve(sandbox, p);
        const data = target ? await fs.readFile(target).catch(() => null) : null;
        const field = data ? 'file' : 'error';
        const payload =
          data ??
          Buffer.from(
            JSON.stringify({
              message: `file not found: ${p}`,
              statusCode: 404,
              code: 'FILE_NOT_FOUND',
            }),
          );
        chunks.push(
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${p}"\r\n` +
              `Content-Type: ${data ? 'application/octet-stream' : 'application/json'}\r\nContent-Length: ${payload.length}\r\n\r\n`,
          ),
          payload,
          Buffer.from('\r\n'),
        );
      }
      chunks.push(Buffer.from(`--${boundary}--\r\n`));
      res.writeHead(200, { 'content-type': `multipart/form-data; boundary=${boundary}` });
      res.end(Buffer.concat(chunks));
      return;
    }
    if (path === '/files') {
      const target = this.resolve(sandbox, query.get('path') ?? '.');
      if (!target) return this.error(res, 400, 'invalid path');
      if (method === 'DELETE') {
        await fs.rm(target, { recursive: query.get('recursive') === 'true', force: true });
        res.writeHead(200).end();
        return;
      }
      const names = await fs.readdir(target).catch(() => null);
      if (!names) return this.error(res, 404, 'directory not found');
      const infos = [];
      for (const name of names.sort()) {
        const stat = await fs.stat(join(target, name));
        infos.push({
          name,
          isDir: stat.isDirectory(),
          size: stat.size,
          mode: (stat.mode & 0o777).toString(8),
          permissions: (stat.mode & 0o777).toString(8),
          owner: 'daytona',
          group: 'daytona',
          modTime: stat.mtime.toISOString(),
          modifiedAt: stat.mtime.toISOString(),
        });
      }
      return this.json(res, 200, infos);
    }
    this.error(res, 404, `Cannot ${method} ${path}`);
  }

  /** Relative paths and /home/daytona/... map into the sandbox's dir; nothing else. */
  private resolve(sandbox: FakeSandbox, path: string): string | null {
    let rel = path;
    if (rel.startsWith('/home/daytona'))
      rel = rel.slice('/home/daytona'.length).replace(/^\/+/, '') || '.';
    else if (rel.startsWith('/')) return null;
    const normalized = posix.normalize(rel);
    if (normalized.startsWith('..')) return null;
    return join(sandbox.home, normalized);
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private error(res: ServerResponse, status: number, message: string): void {
    const error =
      { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found' }[status as 400 | 401 | 404] ??
      'Internal Server Error';
    this.json(res, status, { statusCode: status, message, error });
  }
}

interface FakeSandbox {
  id: string;
  home: string;
  state: 'started' | 'stopped';
  env: Record<string, string>;
  labels: Record<string, string>;
  networkBlockAll: boolean;
  autoStopInterval: number;
  createdAt: string;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function execute(
  command: string,
  cwd: string,
  env: Record<string, string>,
  timeoutSec: number,
): Promise<{ exitCode: number; result: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn('sh', ['-c', command], {
      cwd,
      env: { PATH: process.env.PATH, HOME: cwd, ...env },
    });
    let result = '';
    child.stdout.on('data', (c: Buffer) => (result += c.toString()));
    child.stderr.on('data', (c: Buffer) => (result += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutSec * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ exitCode: code ?? -1, result });
    });
  });
}

interface Part {
  name: string;
  filename?: string;
  data: Buffer;
}

/** Enough of RFC 7578 for the SDK's form-data uploads. */
function parseMultipart(body: Buffer, contentType: string): Part[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return [];
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: Part[] = [];
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const section = body.subarray(start + delimiter.length + 2, next - 2);
    const headerEnd = section.indexOf('\r\n\r\n');
    if (headerEnd >= 0) {
      const headers = section.subarray(0, headerEnd).toString();
      const name = /name="([^"]*)"/.exec(headers)?.[1] ?? '';
      const filename = /filename="([^"]*)"/.exec(headers)?.[1];
      parts.push({ name, filename, data: section.subarray(headerEnd + 4) });
    }
    start = next;
  }
  return parts;
}
