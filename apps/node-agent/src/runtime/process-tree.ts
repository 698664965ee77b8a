import { readdirSync, readFileSync, statSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  ppid: number;
  /** R, S, D, Z (zombie, already dead), ... */
  state: string;
  uid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  cpu_ticks: number;
  rss_pages: number;
}

/** Linux reports CPU in USER_HZ ticks; 100 on every mainstream architecture. */
export const CLOCK_TICKS_PER_SECOND = 100;
const PAGE_SIZE = 4096;

/** One pass over /proc. Processes that vanish while reading are skipped. */
export function readProcesses(): ProcStat[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: ProcStat[] = [];
  for (const name of names) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    try {
      const raw = readFileSync(`/proc/${name}/stat`, 'latin1');
      // comm may hold spaces and parens: fields start after the last ')'.
      const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
      const uid = statSync(`/proc/${name}`).uid;
      out.push({
        pid: Number(name),
        ppid: Number(fields[1]),
        state: fields[0],
        uid,
        cpu_ticks:
          Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]),
        rss_pages: Number(fields[21]),
      });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Live processes running as `uid` (zombies are already dead and skipped). */
export function processesOfUid(uid: number): ProcStat[] {
  return readProcesses().filter((p) => p.uid === uid && p.state !== 'Z' && p.state !== 'X');
}

/** The given roots and all their descendants. */
export function descendants(processes: ProcStat[], roots: Iterable<number>): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  const byPid = new Map<number, ProcStat>();
  for (const p of processes) {
    byPid.set(p.pid, p);
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const out: ProcStat[] = [];
  const queue = [...roots].map((pid) => byPid.get(pid)).filter((p): p is ProcStat => Boolean(p));
  const seen = new Set<number>();
  while (queue.length > 0) {
    const p = queue.pop() as ProcStat;
    if (seen.has(p.pid)) continue;
    seen.add(p.pid);
    out.push(p);
    for (const child of children.get(p.pid) ?? []) queue.push(child);
  }
  return out;
}

export function rssMb(processes: ProcStat[]): number {
  return Math.round((processes.reduce((sum, p) => sum + p.rss_pages, 0) * PAGE_SIZE) / 1048576);
}

/**
 * SIGKILLs every process running as `uid` (a sandbox's own outer uid). Used on stop and after
 * an agent restart, so nothing a sandbox started outlives what the agent knows of.
 */
export function killUidProcesses(uid: number): number {
  if (uid === 0 || uid === process.getuid?.()) return 0;
  let killed = 0;
  for (const p of readProcesses()) {
    if (p.uid !== uid || p.state === 'Z') continue;
    try {
      process.kill(p.pid, 'SIGKILL');
      killed++;
    } catch {
      // gone
    }
  }
  return killed;
}

/** True while `pid` exists and has not exited (a zombie has). */
export function isAlive(pid: number): boolean {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = raw.charAt(raw.lastIndexOf(')') + 2);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}
