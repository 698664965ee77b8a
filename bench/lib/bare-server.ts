import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The baselines of bench:auth, each in a process of its own (like the platform, so the load
 * generator never shares their event loop): `bare-server.ts http` is Node's `http` answering a
 * small JSON body, `bare-server.ts express` the same hello from a default Express 5 app. Prints
 * `listening <port>` once up; stops on SIGTERM.
 */
const BODY = JSON.stringify({ status: 'ok' });

function bareHttp(): Server {
  return createServer((_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(BODY),
    });
    res.end(BODY);
  });
}

function bareExpress(): Server {
  const app = express();
  app.get('/', (_req, res) => {
    res.json({ status: 'ok' });
  });
  return createServer(app);
}

const kind = process.argv[2];
const server = kind === 'http' ? bareHttp() : kind === 'express' ? bareExpress() : undefined;
if (!server) {
  process.stderr.write('usage: bare-server.ts http|express\n');
  process.exit(2);
}
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
