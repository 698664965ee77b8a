#!/usr/bin/env node
// A stand-in for `firecracker --api-sock PATH` and for a guest agent behind its vsock, used by
// firecracker-driver.spec.ts where no real Firecracker, kernel or /dev/kvm exists. The API side
// follows Firecracker's documented shapes (pre-boot PUTs answer 204; bad bodies 400
// {"fault_message"}); after InstanceStart the vsock's uds_path accepts `CONNECT <port>\n`,
// answers `OK <hostport>\n`, then runs one newline-JSON command like the guest agent would.
'use strict';
const http = require('node:http');
const net = require('node:net');
const fs = require('node:fs');
const { spawn } = require('node:child_process');

const sock = process.argv[process.argv.indexOf('--api-sock') + 1];
// Requests are logged beside the socket, where the test finds them.
const log = `${sock}.log`;
const config = {};
let state = 'Not started';

function record(entry) {
  if (log) fs.appendFileSync(log, JSON.stringify(entry) + '\n');
}

const required = {
  '/machine-config': ['vcpu_count', 'mem_size_mib'],
  '/boot-source': ['kernel_image_path'],
  '/drives/rootfs': ['drive_id', 'path_on_host', 'is_root_device', 'is_read_only'],
  '/vsock': ['guest_cid', 'uds_path'],
  '/actions': ['action_type'],
};

function startGuest(udsPath) {
  const server = net.createServer((conn) => {
    let buffer = '';
    let connected = false;
    conn.on('data', (chunk) => {
      buffer += chunk.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!connected) {
          connected = /^CONNECT \d+$/.test(line);
          conn.write(connected ? 'OK 1073741824\n' : 'ERR\n');
          continue;
        }
        const request = JSON.parse(line);
        const child = spawn(request.argv[0], request.argv.slice(1), {
          env: { PATH: process.env.PATH, ...request.env },
        });
        const frame = (stream) => (data) =>
          conn.write(JSON.stringify({ stream, data_base64: data.toString('base64') }) + '\n');
        child.stdout.on('data', frame('stdout'));
        child.stderr.on('data', frame('stderr'));
        child.on('error', () => conn.end(JSON.stringify({ exit_code: 127 }) + '\n'));
        child.on('close', (code, signal) =>
          conn.end(JSON.stringify({ exit_code: code, signal }) + '\n'),
        );
      }
    });
  });
  server.listen(udsPath);
}

const api = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    if (req.method === 'GET' && req.url === '/') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'anonymous-instance',
          state,
          vmm_version: '1.12.0-fake',
          app_name: 'Firecracker',
        }),
      );
      return;
    }
    const fault = (message) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ fault_message: message }));
    };
    let parsed;
    try {
      parsed = JSON.parse(body);
    } catch {
      return fault('The body of the request is not valid JSON');
    }
    const fields = required[req.url];
    if (req.method !== 'PUT' || !fields)
      return fault(`Invalid request method and/or path: ${req.method} ${req.url}`);
    const missing = fields.filter((f) => parsed[f] === undefined);
    if (missing.length) return fault(`missing field \`${missing[0]}\``);
    record({ method: req.method, path: req.url, body: parsed });
    if (req.url === '/actions') {
      if (parsed.action_type === 'InstanceStart') {
        if (!config['/boot-source'] || !config['/drives/rootfs'])
          return fault('Cannot start microvm without a kernel and a root device');
        state = 'Running';
        if (config['/vsock']) startGuest(config['/vsock'].uds_path);
      } else if (parsed.action_type === 'SendCtrlAltDel') {
        res.writeHead(204).end();
        setTimeout(() => process.exit(0), 20);
        return;
      }
    } else {
      if (state !== 'Not started')
        return fault('The requested operation is not supported after starting the microVM.');
      config[req.url] = parsed;
    }
    res.writeHead(204).end();
  });
});
api.listen(sock);
process.on('SIGTERM', () => process.exit(0));
