import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

/** Replies `banner` to every connection on each port; runs inside the namespace. */
const SERVER = `
import socket, sys, threading
banner = sys.argv[1].encode() + b"\\n"
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(16)
    while True:
        c, _ = s.accept(); c.sendall(banner); c.close()
ports = [int(p) for p in sys.argv[2:]]
for p in ports[1:]: threading.Thread(target=serve, args=(p,), daemon=True).start()
serve(ports[0])
`;

/**
 * A network namespace the test owns, joined to the host by a veth pair, with a TCP server
 * inside: `hostAddr` on the host's end, `linkAddr` inside. With `routedAddr` the namespace also
 * holds that address and the host routes it through the veth like a gateway would (so it is
 * not on a subnet the node is attached to); `nsAddr` is where the test connects.
 */
export class TestNamespace {
  private server: ChildProcess | null = null;
  readonly name: string;
  private readonly hostIf: string;

  constructor(
    tag: string,
    readonly hostAddr: string,
    private readonly linkAddr: string,
    private readonly routedAddr: string | null = null,
    private readonly prefix = 30,
  ) {
    const id = `${tag}${process.pid % 100000}`;
    this.name = `nptest-${id}`;
    this.hostIf = `npv${id}`.slice(0, 13);
  }

  get nsAddr(): string {
    return this.routedAddr ?? this.linkAddr;
  }

  async up(banner: string, ports: number[]): Promise<void> {
    this.down();
    const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
    ip('netns', 'add', this.name);
    ip('link', 'add', `${this.hostIf}a`, 'type', 'veth', 'peer', 'name', `${this.hostIf}b`);
    ip('link', 'set', `${this.hostIf}b`, 'netns', this.name);
    ip('addr', 'add', `${this.hostAddr}/${this.prefix}`, 'dev', `${this.hostIf}a`);
    ip('link', 'set', `${this.hostIf}a`, 'up');
    ip('-n', this.name, 'addr', 'add', `${this.linkAddr}/${this.prefix}`, 'dev', `${this.hostIf}b`);
    ip('-n', this.name, 'link', 'set', `${this.hostIf}b`, 'up');
    ip('-n', this.name, 'link', 'set', 'lo', 'up');
    if (this.routedAddr) {
      ip('-n', this.name, 'addr', 'add', `${this.routedAddr}/32`, 'dev', 'lo');
      ip('route', 'add', `${this.routedAddr}/32`, 'via', this.linkAddr);
    }
    this.server = spawn(
      'ip',
      ['netns', 'exec', this.name, 'python3', '-c', SERVER, banner, ...ports.map(String)],
      { stdio: 'ignore' },
    );
    // Ready when the host can connect to every port.
    for (const port of ports) await waitConnectable(this.nsAddr, port);
  }

  /** Removes the server, the veth pair and the namespace; safe to call twice or after a failure. */
  down(): void {
    if (this.server?.pid) {
      try {
        this.server.kill('SIGKILL');
      } catch {
        // gone
      }
    }
    this.server = null;
    try {
      execFileSync('ip', ['netns', 'pids', this.name], { stdio: 'pipe' })
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((pid) => {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // gone
          }
        });
    } catch {
      // no such namespace
    }
    for (const args of [
      ['link', 'del', `${this.hostIf}a`],
      ['netns', 'del', this.name],
    ]) {
      try {
        execFileSync('ip', args, { stdio: 'pipe' });
      } catch {
        // already gone
      }
    }
  }
}

async function waitConnectable(host: string, port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port, timeout: 500 });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`test server ${host}:${port} never listened`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
