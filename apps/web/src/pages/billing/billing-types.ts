/** The billing API's answers (libs/billing dto/billing-response.dto.ts). Credits are cents. */
export interface Balance {
  user_id: string;
  currency: 'credits';
  balance: number;
  owed: number;
  credit_limit: number;
  available: number;
}

export interface UsageRow {
  key: string;
  metric: string;
  quantity: number;
  events: number;
  list_credits: number;
  paid_credits: number;
  saved_credits: number;
}

export interface UsageReport {
  from: string;
  to: string;
  group_by: 'day' | 'kind';
  data: UsageRow[];
  totals: { list_credits: number; paid_credits: number; saved_credits: number; events: number };
}

export interface Invoice {
  id: string;
  source: 'lago' | 'ledger';
  number: string;
  period: string;
  status: string;
  payment_status: string | null;
  currency: string;
  total_cents: number;
  list_cents: number | null;
  file_url: string | null;
}

export const METRIC_LABELS: Record<string, string> = {
  gpu_seconds: 'GPU time',
  sandbox_seconds: 'Sandboxes',
  deployment_node_seconds: 'Deployments',
  egress_bytes: 'Egress',
  api_requests: 'API requests',
};

/** Credits are cents: as dollars. */
export const dollars = (credits: number): number => credits / 100;

/** Every UTC day from `from` to `to` as YYYY-MM-DD, so empty days show as gaps. */
export function daysBetween(from: Date, to: Date): string[] {
  const out: string[] = [];
  const d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  while (d <= to) {
    out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}
