import { AgentOperationError } from './runtime-driver';

/**
 * Inherited by every exec: bwrap's options as NUL-separated data on fd 3 (`--args 3`), the
 * seccomp program on fd 4, and the exec's script (environment included) on fd 5: none of it
 * appears on a command line (`ps`) or on disk. The spawn helper puts them there (pipes it
 * writes, a file it opens as root).
 */
export const ARGS_FD = 3;
export const SECCOMP_FD = 4;
/** Where the command's script arrives (an fd, so an exec can be started before it is asked). */
export const SCRIPT_FD = 5;
/** Where the stub says, with one byte, that the sandbox around it is set up. */
export const READY_FD = 6;

/**
 * The command bwrap runs: a shell that says it is up on READY_FD (bwrap has made every mount by
 * then), reads the exec's script from SCRIPT_FD to its end (the agent writes it when the exec
 * is asked for), closes the fds it came with, and runs it. The script (execScript) ends in
 * `exec`, so the user's command replaces this shell.
 */
export const INNER_STUB = [
  `{ printf . >&${READY_FD}; } 2>/dev/null; exec ${READY_FD}>&-`,
  's=',
  `while IFS= read -r l <&${SCRIPT_FD}; do s="$s$l`,
  `"; done`,
  `exec ${SECCOMP_FD}<&- ${SCRIPT_FD}<&-`,
  'eval "$s"',
].join('\n');

/** Resource limits set by the launcher's shell before it drops to the sandbox's uid. */
export interface LauncherLimits {
  memory_bytes: number;
  nproc: number;
  cpu_seconds: number;
  file_bytes: number;
}

/**
 * The first process of every exec, run by the spawn helper (as root when the agent is): joins
 * the sandbox's cgroups with its own pid (so all it becomes is charged there), sets the rlimits
 * with the shell's own `ulimit` (no prlimit process), and execs the rest of the chain
 * ([nsenter into the egress netns and to the uid] or [setpriv to the uid], then bwrap).
 * Parameters: cgroup.procs files (space-separated), RLIMIT_AS in KiB, RLIMIT_NPROC, RLIMIT_CPU
 * soft seconds, RLIMIT_FSIZE in 512-byte blocks, then the command. Exit 125 says the launcher
 * itself failed. CPU: soft below hard, so the command gets SIGXCPU (reported as
 * cpu_time_limit) before SIGKILL; dash's `ulimit -t` sets both, `-S` then lowers the soft one.
 */
export const OUTER_LAUNCHER = [
  'g=$1; shift',
  'for f in $g; do echo $$ > "$f" || exit 125; done',
  'ulimit -v "$1" && ulimit -p "$2" && ulimit -t $(($3 + 1)) && ulimit -S -t "$3" &&',
  '  ulimit -f "$4" && ulimit -c 0 || exit 125',
  'shift 4',
  'exec "$@"',
].join('\n');

export function launcherParams(limits: LauncherLimits): string[] {
  return [
    String(Math.floor(limits.memory_bytes / 1024)),
    String(limits.nproc),
    String(limits.cpu_seconds),
    String(Math.floor(limits.file_bytes / 512)),
  ];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The `--args` data: each argument followed by a NUL. */
export function argsData(args: string[]): string {
  for (const arg of args) {
    if (arg.includes('\0')) {
      throw new AgentOperationError('agent.path_invalid', 'an argument holds a NUL byte');
    }
  }
  return args.map((a) => `${a}\0`).join('');
}

/** A shell word that reads back as exactly `value` (single quotes; a quote closed and reopened). */
function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * What one exec runs, as the shell script INNER_STUB evaluates: the environment, the working
 * directory, a plain message when the program is missing, then `exec` of the command. Every
 * value is one quoted word; names are checked; NUL bytes are refused.
 */
export function execScript(env: Record<string, string>, argv: string[], cwd?: string): string {
  if (argv.length === 0) throw new AgentOperationError('agent.path_invalid', 'argv is empty');
  let out = '';
  for (const [key, value] of Object.entries(env)) {
    if (!NAME.test(key) || typeof value !== 'string' || value.includes('\0')) {
      throw new AgentOperationError('agent.path_invalid', `invalid environment variable "${key}"`);
    }
    out += `export ${key}=${quote(value)}\n`;
  }
  for (const arg of [...argv, cwd ?? '']) {
    if (arg.includes('\0')) {
      throw new AgentOperationError('agent.path_invalid', 'an argument holds a NUL byte');
    }
  }
  if (cwd !== undefined) {
    const message = `nanopod: cannot change to ${cwd}: no such directory in the sandbox`;
    out += `cd ${quote(cwd)} 2>/dev/null || { printf '%s\\n' ${quote(message)} >&2; exit 126; }\n`;
  }
  const missing = `nanopod: command not found: ${argv[0]}`;
  out += `command -v ${quote(argv[0])} >/dev/null 2>&1 || { printf '%s\\n' ${quote(missing)} >&2; exit 127; }\n`;
  out += `exec ${argv.map(quote).join(' ')}\n`;
  return out;
}
