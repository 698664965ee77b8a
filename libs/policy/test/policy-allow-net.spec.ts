import { spawn, type ChildProcess } from 'node:child_process';
import { compileModules } from '../src/runtime/policy-compiler';

/**
 * The platform's network policy for policies (NANOPOD_POLICY_ALLOW_NET): `http.send` reaches
 * only the configured hosts, nothing by default. Against a real server on 127.0.0.1 in a child
 * process (the engine's request blocks this thread while it waits).
 */
const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ trusted: req.url === '/orgs/acme' }));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

const policy = (port: string) => ({
  path: 'orgs.rego',
  source: `package nanopod.orgs
import rego.v1
trusted := http.send({"method": "GET", "url": "http://127.0.0.1:${port}/orgs/acme"}).body.trusted
`,
});

describe('policies and the network', () => {
  let server: ChildProcess;
  let port = '';

  beforeAll(async () => {
    server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    port = await new Promise<string>((resolve, reject) => {
      server.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
      server.once('exit', () => reject(new Error('server exited')));
    });
  });

  afterAll(() => {
    server?.kill();
  });

  it('refuses http.send to a host that is not allowed (the default: none)', () => {
    const strict = { strictBuiltinErrors: true };
    for (const compiled of [
      compileModules([policy(port)]),
      compileModules([policy(port)], ['api.example.org']),
    ]) {
      // As OPA: the error makes the rule undefined, and strict evaluation raises it.
      expect(compiled.evaluate('data.nanopod.orgs.trusted', {})).toBeUndefined();
      expect(() => compiled.evaluate('data.nanopod.orgs.trusted', strict)).toThrow(
        /unallowed host/,
      );
    }
  });

  it('answers from an allowed host', () => {
    const compiled = compileModules([policy(port)], ['127.0.0.1']);
    expect(compiled.evaluate('data.nanopod.orgs.trusted', {})).toBe(true);
  });
});
