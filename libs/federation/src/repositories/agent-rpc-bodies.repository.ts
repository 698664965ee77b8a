import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Message bodies too large for a NOTIFY, each read once by the replica it was sent to. */
@Injectable()
export class AgentRpcBodiesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async put(body: string): Promise<string> {
    const rows = (await this.db.query(
      'INSERT INTO federation_agent_rpc_bodies (body) VALUES ($1) RETURNING id',
      [body],
    )) as { id: string }[];
    return rows[0]!.id;
  }

  async take(id: string): Promise<string | undefined> {
    const result = await this.db
      .createQueryBuilder()
      .delete()
      .from('federation_agent_rpc_bodies')
      .where('id = :id', { id })
      .returning('body')
      .execute();
    return (result.raw as { body: string }[])[0]?.body;
  }

  /** Bodies nobody took (their receiver went away). */
  async purgeOlderThan(ms: number): Promise<void> {
    await this.db.query(
      `DELETE FROM federation_agent_rpc_bodies WHERE created_at < now() - make_interval(secs => $1)`,
      [ms / 1000],
    );
  }
}
