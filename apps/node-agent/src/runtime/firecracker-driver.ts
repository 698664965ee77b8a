import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import type { AgentLogger } from '../logger';
import {
  AgentOperationError,
  type ExecHandle,
  type ExecRequest,
  type ExecResult,
  type ExecSink,
  type RuntimeDriver,
  type SandboxFiles,
  type SandboxRecord,
} from './runtime-driver';

export interface FirecrackerDriverOptions {
  firecracker_bin: string;
  kernel_image: string;
  rootfs_image: string;
  logger: AgentLogger;
  /** vsock port the guest agent listens on. */
  guest_port?: number;
}

/** One request to the Firecracker API socket; pre-boot PUTs answer 204, errors `{fault_message}`. */
export function firecrackerApi(
  socketPath: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : {},
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          if ((res.statusCode ?? 500) < 300) return resolvePromise();
          let fault = text;
          try {
            fault = (JSON.parse(text) as { fault_message?: string }).fault_message ?? text;
          } catch {
            // plain text
          }
          reject(
            new AgentOperationError(
              'agent.runtime_unavailable',
              `firecracker ${method} ${path}: ${fault}`,
            ),
          );
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * Sandboxes as Firecracker microVMs, driven over the documented API socket: PUT
 * /machine-config, /boot-source, /drives/rootfs, /vsock, then /actions InstanceStart.
 * Commands go over vsock to a guest agent in the root image (port 52 by default) speaking
 * newline-delimited JSON: the host writes `{"argv","env","cwd"}`, the guest answers
 * `{"stream":"stdout"|"stderr","data_base64"}` frames then `{"exit_code","signal"}`.
 * Files are not offered yet (the root image is read-only and shared).
 */
export class FirecrackerDriver implements RuntimeDriver {
  readonly name = 'firecracker' as const;
  readonly files: SandboxFiles = {
    putFile: () => unsupported(),
    putArchive: () => unsupported(),
    getFile: () => unsupported(),
    list: () => unsupported(),
  };
  private readonly vms = new Map<string, ChildProcess>();

  constructor(private readonly options: FirecrackerDriverOptions) {}

  static available(bin: string): boolean {
    return existsSync(bin) && existsSync('/dev/kvm');
  }

  private paths(record: SandboxRecord): { api: string; vsock: string } {
    const dir = dirname(record.work_dir);
    return { api: join(dir, 'fc.sock'), vsock: join(dir, 'v.sock') };
  }

  async start(record: SandboxRecord): Promise<void> {
    const { api, vsock } = this.paths(record);
    await fs.rm(api, { force: true });
    await fs.rm(vsock, { force: true });
    const vm = spawn(this.options.firecracker_bin, ['--api-sock', api], {
      detached: true,
      stdio: 'ignore',
    });
    this.vms.set(record.sandbox_id, vm);
    record.runtime_ref = api;
    const deadline = Date.now() + 5000;
    while (!existsSync(api)) {
      if (Date.now() > deadline || vm.exitCode !== null) {
        throw new AgentOperationError(
          'agent.runtime_unavailable',
          'firecracker did not open its API socket',
        );
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await firecrackerApi(api, 'PUT', '/machine-config', {
      vcpu_count: Math.max(1, Math.min(32, Math.round(record.spec.cpu))),
      mem_size_mib: Math.max(128, record.spec.memory_mb),
      smt: false,
    });
    await firecrackerApi(api, 'PUT', '/boot-source', {
      kernel_image_path: this.options.kernel_image,
      boot_args: 'console=ttyS0 reboot=k panic=1 pci=off',
    });
    await firecrackerApi(api, 'PUT', '/drives/rootfs', {
      drive_id: 'rootfs',
      path_on_host: this.options.rootfs_image,
      is_root_device: true,
      is_read_only: true,
    });
    await firecrackerApi(api, 'PUT', '/vsock', { guest_cid: 3, uds_path: vsock });
    await firecrackerApi(api, 'PUT', '/actions', { action_type: 'InstanceStart' });
  }

  exec(record: SandboxRecord, request: ExecRequest, sink: ExecSink): ExecHandle {
    const { vsock } = this.paths(record);
    const started = Date.now();
    const socket = connect(vsock);
    let reason: string | undefined;
    const done = new Promise<ExecResult>((resolvePromise) => {
      let buffer = '';
      let handshaken = false;
      let result: ExecResult | null = null;
      const timer = setTimeout(() => {
        reason = 'wall_time_limit';
        socket.destroy();
      }, request.wall_seconds * 1000);
      socket.on('connect', () => socket.write(`CONNECT ${this.options.guest_port ?? 52}\n`));
      socket.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (!handshaken) {
            handshaken = line.startsWith('OK');
            if (handshaken)
              socket.write(
                JSON.stringify({ argv: request.argv, env: request.env, cwd: request.cwd }) + '\n',
              );
            continue;
          }
          const frame = JSON.parse(line) as {
            stream?: 'stdout' | 'stderr';
            data_base64?: string;
            exit_code?: number;
            signal?: string;
          };
          if (frame.stream && frame.data_base64)
            sink.output(frame.stream, Buffer.from(frame.data_base64, 'base64'));
          if (frame.exit_code !== undefined) {
            result = {
              exit_code: frame.exit_code,
              signal: frame.signal ?? null,
              duration_ms: Date.now() - started,
            };
            socket.end();
          }
        }
      });
      socket.on('error', (err) =>
        sink.output('stderr', Buffer.from(`firecracker vsock: ${err.message}\n`)),
      );
      socket.on('close', () => {
        clearTimeout(timer);
        resolvePromise(
          result ?? {
            exit_code: null,
            signal: null,
            reason: reason ?? 'runtime_error',
            duration_ms: Date.now() - started,
          },
        );
      });
    });
    return {
      pid: null,
      cancel: (why = 'cancelled') => {
        reason = why;
        socket.destroy();
      },
      done,
    };
  }

  async stop(record: SandboxRecord): Promise<void> {
    const vm = this.vms.get(record.sandbox_id);
    const { api } = this.paths(record);
    await firecrackerApi(api, 'PUT', '/actions', { action_type: 'SendCtrlAltDel' }).catch(
      () => undefined,
    );
    if (vm?.pid) {
      try {
        process.kill(-vm.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    this.vms.delete(record.sandbox_id);
  }

  async remove(record: SandboxRecord): Promise<void> {
    await this.stop(record);
  }
}

function unsupported(): never {
  throw new AgentOperationError(
    'agent.runtime_unavailable',
    'file transfer is not offered by the firecracker runtime yet',
  );
}
