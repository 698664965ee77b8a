import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface CachedResponse {
  etag: string | null;
  lastModified: string | null;
  status: number;
  body: unknown;
  fetchedAt: Date;
}

/** ETag cache of external GET answers, keyed by token fingerprint + URL. */
@Injectable()
export class HttpCacheRepository {
  constructor(private readonly dataSource: DataSource) {}

  async get(key: string): Promise<CachedResponse | null> {
    const rows = (await this.dataSource.query(
      `SELECT etag, last_modified, status, body, fetched_at FROM reputation_http_cache WHERE cache_key = $1`,
      [key],
    )) as {
      etag: string | null;
      last_modified: string | null;
      status: number;
      body: unknown;
      fetched_at: Date;
    }[];
    const r = rows[0];
    if (!r) return null;
    return {
      etag: r.etag,
      lastModified: r.last_modified,
      status: r.status,
      body: r.body,
      fetchedAt: new Date(r.fetched_at),
    };
  }

  async put(key: string, url: string, value: CachedResponse): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO reputation_http_cache (cache_key, url, etag, last_modified, status, body, fetched_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
       ON CONFLICT (cache_key) DO UPDATE SET etag = EXCLUDED.etag, last_modified = EXCLUDED.last_modified,
         status = EXCLUDED.status, body = EXCLUDED.body, fetched_at = EXCLUDED.fetched_at`,
      [
        key,
        url,
        value.etag,
        value.lastModified,
        value.status,
        JSON.stringify(value.body ?? null),
        value.fetchedAt,
      ],
    );
  }

  async touch(key: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE reputation_http_cache SET fetched_at = $2 WHERE cache_key = $1`,
      [key, at],
    );
  }
}
