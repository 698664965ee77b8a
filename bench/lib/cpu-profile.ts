import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  endTime: number;
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

/** Where a frame's code lives: an npm package, one of our libs or apps, or Node/V8 itself. */
function owner(url: string): string {
  if (!url) return '(native/V8)';
  const pkg = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const ours = /\/(libs\/[^/]+|apps\/[^/]+|bench|test)\//.exec(url);
  return ours ? ours[1] : url;
}

function frameName(n: ProfileNode): string {
  const f = n.callFrame;
  const file = f.url.replace(/^.*node_modules\//, '').replace(/^.*\/(libs|apps)\//, '$1/');
  return `${f.functionName || '(anonymous)'} ${file ? `${file}:${f.lineNumber + 1}` : ''}`.trim();
}

/**
 * Self time per frame and per owner (package or lib) of a `--cpu-prof` profile: the time a
 * function spent in its own code, not in what it called. Idle and GC are reported by V8 as
 * `(idle)`, `(garbage collector)` and `(program)`.
 */
export function summarizeCpuProfile(
  file: string,
  window: { skipEndMs: number; lengthMs: number },
  top = 25,
): { total: number; frames: SelfTime[]; owners: SelfTime[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // Only the samples of the load window (the profile also holds boot and shutdown).
  const to = profile.endTime - window.skipEndMs * 1000;
  const from = to - window.lengthMs * 1000;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < from || t > to) continue;
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const frames = new Map<string, number>();
  const owners = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(idle)') continue;
    total += us;
    const name = frameName(n);
    frames.set(name, (frames.get(name) ?? 0) + us);
    const o = n.callFrame.functionName.startsWith('(')
      ? n.callFrame.functionName
      : owner(n.callFrame.url);
    owners.set(o, (owners.get(o) ?? 0) + us);
  }
  const rank = (m: Map<string, number>): SelfTime[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share: us / total }));
  return { total: total / 1000, frames: rank(frames), owners: rank(owners) };
}
