import { spawn, type ChildProcess } from 'node:child_process';
import { Engine, RegoEvalError } from '../src';

/**
 * http.send against a real HTTP server on 127.0.0.1. The server runs in a child process: the
 * evaluator blocks its own thread while a request is under way.
 */
const SERVER = `
const http = require('node:http');
let hits = 0;
const server = http.createServer((req, res) => {
  hits++;
  if (req.url === '/hits') { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ hits })); return; }
  if (req.url === '/cached') { res.setHeader('cache-control', 'max-age=60'); }
  res.setHeader('content-type', 'application/json');
  res.setHeader('x-seen', 'yes');
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => res.end(JSON.stringify({ method: req.method, url: req.url, body })));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

let server: ChildProcess;
let base = '';

beforeAll(async () => {
  server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    server.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    server.once('exit', () => reject(new Error('server exited')));
  });
  base = `http://127.0.0.1:${port}`;
}, 30_000);

afterAll(() => {
  server?.kill();
});

const mod = (body: string) => [{ path: 'p.rego', source: `package t\n${body}` }];

describe('http.send', () => {
  it('refuses every host when the engine allows none', () => {
    const policy = new Engine().compile(mod('r := http.send({"method": "get", "url": input.url})'));
    expect(() =>
      policy.evaluate('data.t.r', { input: { url: `${base}/x` }, strictBuiltinErrors: true }),
    ).toThrow(/http\.send: unallowed host: 127\.0\.0\.1/);
  });

  it('sends to an allowed host and decodes the JSON answer as OPA does', () => {
    const policy = new Engine({ network: { allowHosts: ['127.0.0.1'] } }).compile(
      mod('r := http.send({"method": "post", "url": input.url, "body": {"a": 1}})'),
    );
    const r = policy.evaluate('data.t.r', { input: { url: `${base}/echo` } }) as Record<
      string,
      unknown
    >;
    expect(r.status_code).toBe(200);
    expect(r.status).toBe('200 OK');
    expect(r.body).toEqual({ method: 'POST', url: '/echo', body: '{"a":1}' });
    expect((r.headers as Record<string, string[]>)['x-seen']).toEqual(['yes']);
  });

  it('returns network errors in the result when raise_error is false', () => {
    const policy = new Engine().compile(
      mod('r := http.send({"method": "get", "url": "http://10.255.255.1/", "raise_error": false})'),
    );
    expect(policy.evaluate('data.t.r')).toEqual({
      status_code: 0,
      error: { code: 'eval_http_send_network_error', message: 'unallowed host: 10.255.255.1' },
    });
  });

  it('sends one request per evaluation for equal requests, and reuses cached answers across evaluations', () => {
    const policy = new Engine({ network: { allowHosts: ['127.0.0.1'] } }).compile(
      mod(
        [
          'twice := [a, b] if {',
          '  a := http.send({"method": "get", "url": concat("", [input.base, "/once"])})',
          '  b := http.send({"method": "get", "url": concat("", [input.base, "/once"])})',
          '}',
          'cached := http.send({"method": "get", "url": concat("", [input.base, "/cached"]), "cache": true})',
          'hits := http.send({"method": "get", "url": concat("", [input.base, "/hits"])}).body.hits',
        ].join('\n'),
      ),
    );
    const input = { base };
    const before = policy.evaluate('data.t.hits', { input }) as number;
    policy.evaluate('data.t.twice', { input });
    expect(policy.evaluate('data.t.hits', { input })).toBe(before + 2);
    policy.evaluate('data.t.cached', { input });
    policy.evaluate('data.t.cached', { input });
    expect(policy.evaluate('data.t.hits', { input })).toBe(before + 4);
  });

  it('rejects unknown request keys with OPA’s type error', () => {
    const policy = new Engine().compile(
      mod('r := http.send({"method": "get", "url": "http://127.0.0.1/", "nope": 1})'),
    );
    const run = () => policy.evaluate('data.t.r', { strictBuiltinErrors: true });
    expect(run).toThrow(RegoEvalError);
    expect(run).toThrow('invalid request parameters(s): {"nope"}');
  });
});

describe('net.lookup_ip_addr', () => {
  it('is denied by default and resolves allowed names', () => {
    const src = mod('r := net.lookup_ip_addr(input.name)');
    expect(() =>
      new Engine().compile(src).evaluate('data.t.r', {
        input: { name: '127.0.0.1' },
        strictBuiltinErrors: true,
      }),
    ).toThrow(/unallowed host: 127\.0\.0\.1/);
    expect(
      new Engine({ network: { allowHosts: ['127.0.0.1'] } })
        .compile(src)
        .evaluate('data.t.r', { input: { name: '127.0.0.1' } }),
    ).toEqual(['127.0.0.1']);
  });
});
