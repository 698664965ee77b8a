import { egressRuleset, parseAllow } from '../src/runtime/egress-rules';
import { argsData, execScript, launcherParams } from '../src/runtime/sandbox-launcher';
import { buildSeccompFilter, deniedSyscalls } from '../src/runtime/seccomp-bpf';
import { AgentOperationError } from '../src/runtime/runtime-driver';
import { runTool } from '../src/runtime/tool-runner';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';

/** The pure parts of containment; the attacks that prove them are in bwrap-containment.spec. */
describe('egress filter rules', () => {
  it('parses CIDR:port and [CIDR]:port and refuses anything else with a stable code', () => {
    expect(parseAllow('10.1.2.0/24:5432')).toEqual({
      family: 'ip',
      cidr: '10.1.2.0/24',
      port: 5432,
    });
    expect(parseAllow('10.1.2.3:80')).toEqual({ family: 'ip', cidr: '10.1.2.3/32', port: 80 });
    expect(parseAllow('[fd00::/64]:443')).toEqual({ family: 'ip6', cidr: 'fd00::/64', port: 443 });
    for (const bad of [
      '10.1.2.3',
      '10.1.2.3:0',
      '10.1.2.3:70000',
      '300.1.1.1:80',
      '10.0.0.0/33:80',
      'host:80',
    ]) {
      expect(() => parseAllow(bad)).toThrow(AgentOperationError);
    }
  });

  it('accepts allow-listed ports before rejecting the private, node and special ranges', () => {
    const rules = egressRuleset([parseAllow('10.9.0.0/16:5432')]);
    const lines = rules.split('\n').map((l) => l.trim());
    const allow = lines.indexOf('ip daddr 10.9.0.0/16 tcp dport 5432 accept');
    const deny = lines.indexOf('ip daddr 10.0.0.0/8 reject with icmpx type admin-prohibited');
    expect(allow).toBeGreaterThan(0);
    expect(deny).toBeGreaterThan(allow);
    for (const p of [
      '127.0.0.0/8',
      '172.16.0.0/12',
      '192.168.0.0/16',
      '169.254.0.0/16',
      '100.64.0.0/10',
    ]) {
      expect(rules).toContain(`ip daddr ${p} reject`);
    }
    for (const p of ['fc00::/7', 'fe80::/10', 'ff00::/8', '::ffff:0:0/96']) {
      expect(rules).toContain(`ip6 daddr ${p} reject`);
    }
    expect(rules).not.toContain('198.51.100.');
  });
});

describe('seccomp filter', () => {
  it('is a whole number of sock_filter entries that checks the architecture first', () => {
    for (const arch of ['x86_64', 'aarch64'] as const) {
      const prog = buildSeccompFilter(arch);
      expect(prog.length % 8).toBe(0);
      // ld [4] (arch), then jeq AUDIT_ARCH_*
      expect(prog.readUInt16LE(0)).toBe(0x20);
      expect(prog.readUInt32LE(4)).toBe(4);
      expect(prog.readUInt32LE(12)).toBe(arch === 'x86_64' ? 0xc000003e : 0xc00000b7);
      // the last instruction returns EPERM
      expect(prog.readUInt32LE(prog.length - 4)).toBe(0x00050001);
    }
    expect(deniedSyscalls()).toEqual(
      expect.arrayContaining(['keyctl', 'bpf', 'ptrace', 'mount', 'unshare']),
    );
  });
});

describe('launcher arguments', () => {
  it('quotes env values and argv so the shell reads them back verbatim, and refuses bad input', () => {
    const script = execScript({ A: "it's $HOME `x`" }, ['printf', '%s', "a'b"], '/work/sub dir');
    expect(script).toContain(`export A='it'\\''s $HOME \`x\`'\n`);
    expect(script).toContain(`cd '/work/sub dir' 2>/dev/null || `);
    expect(script.endsWith(`exec 'printf' '%s' 'a'\\''b'\n`)).toBe(true);
    expect(() => execScript({ 'BAD-NAME': 'x' }, ['true'])).toThrow(AgentOperationError);
    expect(() => execScript({ A: 'nul\0' }, ['true'])).toThrow(AgentOperationError);
    expect(() => execScript({}, ['a\0b'])).toThrow(AgentOperationError);
    expect(() => execScript({}, [])).toThrow(AgentOperationError);
    expect(argsData(['--chdir', '/work', 'x y'])).toBe('--chdir\0/work\0x y\0');
    expect(() => argsData(['a\0b'])).toThrow(AgentOperationError);
  });

  it('gives ulimit its units: KiB of memory, 512-byte blocks of file size', () => {
    expect(
      launcherParams({
        memory_bytes: 512 * 1048576,
        nproc: 67,
        cpu_seconds: 30,
        file_bytes: 1048576,
      }),
    ).toEqual(['524288', '67', '30', '2048']);
  });
});

describe('background tools', () => {
  it('run at nice 19, and foreground ones at the priority of the agent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nanopod-nice-'));
    try {
      // Field 19 of /proc/PID/stat is the niceness; read after the helper had time to set it.
      const probe = (file: string) => [
        '-c',
        `sleep 0.3; cut -d' ' -f19 /proc/$$/stat > ${join(dir, file)}`,
      ];
      await Promise.all([
        runTool('/bin/sh', probe('bg'), { background: true }),
        runTool('/bin/sh', probe('fg')),
      ]);
      expect(readFileSync(join(dir, 'bg'), 'utf8').trim()).toBe('19');
      expect(readFileSync(join(dir, 'fg'), 'utf8').trim()).toBe(String(getPriority()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
