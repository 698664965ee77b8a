import { Writable } from 'node:stream';

/*
 * Readable log lines for a person at a terminal (NANOPOD_LOG_FORMAT=pretty), written without a
 * dependency: pino writes its JSON lines here and each becomes
 *
 *   12:04:05 INFO  [SandboxesService] sandbox started sandboxId=3f2a… nodeId=…
 *
 * Nest's start-up inventory (every module loaded, every route mapped: some 170 lines) is left
 * out: it says nothing a person acts on, and JSON logs still carry it.
 */

const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: 'TRACE', color: '90' },
  20: { name: 'DEBUG', color: '90' },
  30: { name: 'INFO ', color: '32' },
  40: { name: 'WARN ', color: '33' },
  50: { name: 'ERROR', color: '31' },
  60: { name: 'FATAL', color: '35' },
};

/** Nest's start-up contexts whose info lines are the inventory above. */
const STARTUP_CHATTER = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/** pino's own fields and the ones shown in the line's head, not repeated as key=value. */
const HEAD = new Set(['level', 'time', 'pid', 'hostname', 'name', 'context', 'msg', 'err']);

function value(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

/** One JSON log line as one (or, with a stack, several) readable lines; null to skip it. */
export function prettyLine(json: string, color: boolean): string | null {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  let context = typeof entry.context === 'string' ? entry.context : '';
  // Nest's logger.log({fields}, 'text') reaches pino with the text as context and no msg.
  if (entry.msg === undefined && context) {
    entry.msg = context;
    context = '';
  }
  if (level <= 30 && STARTUP_CHATTER.has(context)) return null;
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const time = new Date(typeof entry.time === 'number' ? entry.time : Date.now())
    .toTimeString()
    .slice(0, 8);
  const lv = LEVELS[level] ?? { name: String(level), color: '0' };
  const fields = Object.entries(entry)
    .filter(([k]) => !HEAD.has(k))
    .map(([k, v]) => `${paint('90', `${k}=`)}${value(v)}`);
  const head = [
    paint('90', time),
    paint(lv.color, lv.name),
    context ? paint('36', `[${context}]`) : '',
    String(entry.msg ?? ''),
    ...fields,
  ]
    .filter(Boolean)
    .join(' ');
  const err = entry.err as { stack?: string; message?: string } | undefined;
  const stack = err?.stack ?? err?.message;
  return stack ? `${head}\n  ${stack.split('\n').join('\n  ')}` : head;
}

/** A destination for pino that writes `prettyLine`s to `out` (stdout by default). */
export function prettyStream(out: NodeJS.WritableStream = process.stdout): Writable {
  const color = (out as { isTTY?: boolean }).isTTY === true && !process.env.NO_COLOR;
  let rest = '';
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const text = line && prettyLine(line, color);
        if (text) out.write(`${text}\n`);
      }
      done();
    },
  });
}
