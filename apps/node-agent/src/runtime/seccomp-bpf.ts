/**
 * The sandbox's seccomp filter as classic BPF (what `bwrap --seccomp FD` loads): a deny list of
 * the syscalls that open the usual escapes (kernel keyrings, eBPF, perf, tracing other
 * processes, mounts, new user namespaces, module and kexec loading, io_uring, ...), answered
 * with EPERM; everything else is allowed, so ordinary programs run unchanged.
 *
 * Layout: the architecture check (a foreign one, such as i386 through int 0x80 on x86_64, or
 * the x32 ABI, gets ENOSYS for everything, since its numbers differ), then one compare per
 * denied number, then the shared returns. clone/unshare are refused only with CLONE_NEWUSER;
 * clone3 passes its flags in memory BPF cannot read, so it answers ENOSYS and libc falls back
 * to clone, which is checked.
 */

export type SeccompArch = 'x86_64' | 'aarch64';

const AUDIT_ARCH: Record<SeccompArch, number> = {
  x86_64: 0xc000003e,
  aarch64: 0xc00000b7,
};

/** Syscall name -> number per architecture (x86_64 from its own table, aarch64 the generic one). */
const DENIED: Record<string, Record<SeccompArch, number>> = {
  keyctl: { x86_64: 250, aarch64: 219 },
  add_key: { x86_64: 248, aarch64: 217 },
  request_key: { x86_64: 249, aarch64: 218 },
  bpf: { x86_64: 321, aarch64: 280 },
  perf_event_open: { x86_64: 298, aarch64: 241 },
  ptrace: { x86_64: 101, aarch64: 117 },
  process_vm_readv: { x86_64: 310, aarch64: 270 },
  process_vm_writev: { x86_64: 311, aarch64: 271 },
  pidfd_getfd: { x86_64: 438, aarch64: 438 },
  mount: { x86_64: 165, aarch64: 40 },
  umount2: { x86_64: 166, aarch64: 39 },
  pivot_root: { x86_64: 155, aarch64: 41 },
  setns: { x86_64: 308, aarch64: 268 },
  kexec_load: { x86_64: 246, aarch64: 104 },
  kexec_file_load: { x86_64: 320, aarch64: 294 },
  init_module: { x86_64: 175, aarch64: 105 },
  finit_module: { x86_64: 313, aarch64: 273 },
  delete_module: { x86_64: 176, aarch64: 106 },
  name_to_handle_at: { x86_64: 303, aarch64: 264 },
  open_by_handle_at: { x86_64: 304, aarch64: 265 },
  userfaultfd: { x86_64: 323, aarch64: 282 },
  io_uring_setup: { x86_64: 425, aarch64: 425 },
  io_uring_enter: { x86_64: 426, aarch64: 426 },
  io_uring_register: { x86_64: 427, aarch64: 427 },
  swapon: { x86_64: 167, aarch64: 224 },
  swapoff: { x86_64: 168, aarch64: 225 },
  reboot: { x86_64: 169, aarch64: 142 },
  acct: { x86_64: 163, aarch64: 89 },
  quotactl: { x86_64: 179, aarch64: 60 },
  quotactl_fd: { x86_64: 443, aarch64: 443 },
  open_tree: { x86_64: 428, aarch64: 428 },
  move_mount: { x86_64: 429, aarch64: 429 },
  fsopen: { x86_64: 430, aarch64: 430 },
  fsconfig: { x86_64: 431, aarch64: 431 },
  fsmount: { x86_64: 432, aarch64: 432 },
  fspick: { x86_64: 433, aarch64: 433 },
  mount_setattr: { x86_64: 442, aarch64: 442 },
  lookup_dcookie: { x86_64: 212, aarch64: 18 },
  syslog: { x86_64: 103, aarch64: 116 },
  vhangup: { x86_64: 153, aarch64: 58 },
  settimeofday: { x86_64: 164, aarch64: 170 },
  clock_settime: { x86_64: 227, aarch64: 112 },
  clock_adjtime: { x86_64: 305, aarch64: 266 },
  adjtimex: { x86_64: 159, aarch64: 171 },
};

/** Refused only when the flags (first argument) ask for a new user namespace. */
const USERNS_CHECKED: Record<string, Record<SeccompArch, number>> = {
  clone: { x86_64: 56, aarch64: 220 },
  unshare: { x86_64: 272, aarch64: 97 },
};
const CLONE3: Record<SeccompArch, number> = { x86_64: 435, aarch64: 435 };
const CLONE_NEWUSER = 0x10000000;
const X32_SYSCALL_BIT = 0x40000000;

const EPERM = 1;
const ENOSYS = 38;
const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;

// Classic BPF opcodes.
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;

// struct seccomp_data: nr (u32), arch (u32), ip (u64), args[6] (u64; low half first on LE).
const OFF_NR = 0;
const OFF_ARCH = 4;
const OFF_ARG0_LOW = 16;

interface Insn {
  code: number;
  k: number;
  /** Labels to jump to when true/false (resolved to offsets); undefined = next. */
  jt?: string;
  jf?: string;
  label?: string;
}

export function seccompArch(arch: string = process.arch): SeccompArch | null {
  if (arch === 'x64' || arch === 'x86_64') return 'x86_64';
  if (arch === 'arm64' || arch === 'aarch64') return 'aarch64';
  return null;
}

/** The names the filter refuses (the first two only with CLONE_NEWUSER); for the docs and tests. */
export function deniedSyscalls(): string[] {
  return [...Object.keys(USERNS_CHECKED), 'clone3', ...Object.keys(DENIED)];
}

/** The filter program for `arch`, as the bytes of `struct sock_filter[]` (little-endian). */
export function buildSeccompFilter(arch: SeccompArch): Buffer {
  const prog: Insn[] = [
    { code: LD_W_ABS, k: OFF_ARCH },
    { code: JEQ_K, k: AUDIT_ARCH[arch], jf: 'enosys' },
    { code: LD_W_ABS, k: OFF_NR },
  ];
  if (arch === 'x86_64') prog.push({ code: JGE_K, k: X32_SYSCALL_BIT, jt: 'enosys' });
  for (const nrs of Object.values(DENIED)) prog.push({ code: JEQ_K, k: nrs[arch], jt: 'eperm' });
  for (const nrs of Object.values(USERNS_CHECKED)) {
    prog.push({ code: JEQ_K, k: nrs[arch], jt: 'userns' });
  }
  prog.push({ code: JEQ_K, k: CLONE3[arch], jt: 'enosys' });
  prog.push({ code: RET_K, k: RET_ALLOW });
  // BPF jumps only forward: the flag check sits before the returns it leads to.
  prog.push({ code: LD_W_ABS, k: OFF_ARG0_LOW, label: 'userns' });
  prog.push({ code: JSET_K, k: CLONE_NEWUSER, jt: 'eperm', jf: 'allow' });
  prog.push({ code: RET_K, k: RET_ALLOW, label: 'allow' });
  prog.push({ code: RET_K, k: RET_ERRNO | ENOSYS, label: 'enosys' });
  prog.push({ code: RET_K, k: RET_ERRNO | EPERM, label: 'eperm' });

  const at = new Map<string, number>();
  prog.forEach((insn, i) => insn.label && at.set(insn.label, i));
  const offset = (from: number, label: string | undefined): number => {
    if (label === undefined) return 0;
    const target = at.get(label) as number;
    const off = target - from - 1;
    if (off < 0 || off > 255) throw new Error(`seccomp jump out of range: ${label}`);
    return off;
  };
  const out = Buffer.alloc(prog.length * 8);
  prog.forEach((insn, i) => {
    out.writeUInt16LE(insn.code, i * 8);
    out.writeUInt8(offset(i, insn.jt), i * 8 + 2);
    out.writeUInt8(offset(i, insn.jf), i * 8 + 3);
    out.writeUInt32LE(insn.k >>> 0, i * 8 + 4);
  });
  return out;
}
