import type { ManagedResource } from '../core/apisix-config';
import type { StoredObject } from '../core/drift';
import { ApisixAdmin, ApisixAdminError } from '../ports/apisix-admin.port';

const PAGE_SIZE = 500;

interface ListBody {
  total?: number;
  list?: Array<{ value?: StoredObject }> | Record<string, never>;
}

/**
 * APISIX Admin API v3 over HTTP: `X-API-KEY`, paths under `/apisix/admin`, JSON. Lists are
 * read page by page (`page_size` 10..500); an empty list may come back as `{}` from etcd.
 */
export class ApisixAdminClient implements ApisixAdmin {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly timeoutMs = 5000,
  ) {}

  async list(resource: ManagedResource): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    for (let page = 1; ; page++) {
      const body = (await this.call('GET', `/${resource}?page=${page}&page_size=${PAGE_SIZE}`)) as
        ListBody | undefined;
      const items = Array.isArray(body?.list) ? body.list : [];
      for (const item of items) if (item.value) out.push(item.value);
      if (items.length < PAGE_SIZE || out.length >= (body?.total ?? 0)) return out;
    }
  }

  async put(resource: ManagedResource, id: string, body: Record<string, unknown>): Promise<void> {
    await this.call('PUT', `/${resource}/${encodeURIComponent(id)}`, body);
  }

  async delete(resource: ManagedResource, id: string): Promise<void> {
    await this.call('DELETE', `/${resource}/${encodeURIComponent(id)}`, undefined, [404]);
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
    tolerated: number[] = [],
  ): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/apisix/admin${path}`, {
        method,
        headers: {
          'X-API-KEY': this.apiKey,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new ApisixAdminError(0, `APISIX Admin API unreachable: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (res.ok || tolerated.includes(res.status)) return text ? (JSON.parse(text) as unknown) : {};
    let message = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { error_msg?: string; message?: string };
      message = parsed.error_msg ?? parsed.message ?? message;
    } catch {
      // not JSON: keep the text
    }
    throw new ApisixAdminError(res.status, `${method} ${path}: ${res.status} ${message}`);
  }
}
