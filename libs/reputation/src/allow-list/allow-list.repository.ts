import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { rowsOf } from '../http/sql';

export interface AllowListEntry {
  id: string;
  kind: 'org' | 'repo';
  name: string;
  createdAt: Date;
}

interface Row {
  id: string;
  kind: 'org' | 'repo';
  name: string;
  created_at: Date;
}

const map = (r: Row): AllowListEntry => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  createdAt: new Date(r.created_at),
});

@Injectable()
export class AllowListRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(): Promise<AllowListEntry[]> {
    const rows = (await this.dataSource.query(
      `SELECT id, kind, name, created_at FROM reputation_allow_list ORDER BY kind, lower(name)`,
    )) as Row[];
    return rows.map(map);
  }

  /** Null when the entry already exists. */
  async insert(
    kind: 'org' | 'repo',
    name: string,
    createdBy: string,
    at: Date,
  ): Promise<AllowListEntry | null> {
    const rows = (await this.dataSource.query(
      `INSERT INTO reputation_allow_list (kind, name, created_by, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING id, kind, name, created_at`,
      [kind, name, createdBy, at],
    )) as Row[];
    return rows[0] ? map(rows[0]) : null;
  }

  async delete(kind: 'org' | 'repo', name: string): Promise<AllowListEntry | null> {
    const rows = rowsOf<Row>(
      await this.dataSource.query(
        `DELETE FROM reputation_allow_list WHERE kind = $1 AND lower(name) = lower($2)
         RETURNING id, kind, name, created_at`,
        [kind, name],
      ),
    );
    return rows[0] ? map(rows[0]) : null;
  }
}
