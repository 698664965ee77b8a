/**
 * Applies deploy/lago/billable-metrics.json and plans.json to a Lago instance through its API:
 * creates what is missing, updates what exists (by code). Plans' charges name metrics by code;
 * Lago wants the metric's lago_id, so metrics go first and their ids are looked up.
 *
 *   LAGO_API_URL=http://localhost:3000 LAGO_API_KEY=... \
 *     node -r ts-node/register/transpile-only deploy/lago/apply-lago.ts [--dry-run]
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

interface Metric {
  code: string;
  [k: string]: unknown;
}
interface Charge {
  billable_metric_code: string;
  [k: string]: unknown;
}
interface Plan {
  code: string;
  charges: Charge[];
  [k: string]: unknown;
}

const dir = __dirname;
const read = <T>(file: string): T => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as T;

async function main(): Promise<void> {
  const dryRun = process.argv.includes('--dry-run');
  const base = (process.env.LAGO_API_URL ?? '').replace(/\/+$/, '');
  const key = process.env.LAGO_API_KEY ?? '';
  if (!dryRun && (!base || !key)) {
    process.stderr.write('set LAGO_API_URL and LAGO_API_KEY (or pass --dry-run)\n');
    process.exit(2);
  }
  const call = async (
    method: string,
    p: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> => {
    if (dryRun) {
      process.stdout.write(
        `${method} /api/v1${p}${body ? ` ${JSON.stringify(body).slice(0, 120)}…` : ''}\n`,
      );
      return { status: method === 'GET' ? 404 : 200, json: {} };
    }
    const res = await fetch(`${base}/api/v1${p}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
  };
  const upsert = async (kind: string, root: string, code: string, body: unknown) => {
    const existing = await call('GET', `/${kind}/${code}`);
    const res =
      existing.status === 200
        ? await call('PUT', `/${kind}/${code}`, { [root]: body })
        : await call('POST', `/${kind}`, { [root]: body });
    if (res.status >= 300)
      throw new Error(`${kind} ${code}: HTTP ${res.status} ${JSON.stringify(res.json)}`);
    process.stdout.write(`${existing.status === 200 ? 'updated' : 'created'} ${root} ${code}\n`);
    return res.json as Record<string, Record<string, unknown>>;
  };

  const metricIds = new Map<string, string>();
  for (const m of read<{ billable_metrics: Metric[] }>('billable-metrics.json').billable_metrics) {
    const res = await upsert('billable_metrics', 'billable_metric', m.code, m);
    metricIds.set(m.code, String(res.billable_metric?.lago_id ?? `<${m.code}>`));
  }
  for (const plan of read<{ plans: Plan[] }>('plans.json').plans) {
    const charges = plan.charges.map(({ billable_metric_code, ...c }) => ({
      ...c,
      billable_metric_id: metricIds.get(billable_metric_code),
    }));
    await upsert('plans', 'plan', plan.code, { ...plan, charges });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
