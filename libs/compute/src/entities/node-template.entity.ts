import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CloudInitKind } from '../core';

@Entity({ name: 'compute_node_templates' })
export class NodeTemplateEntity {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ name: 'owner_id', type: 'uuid' }) ownerId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text' }) image!: string;
  @Column({ name: 'cloud_init', type: 'text', nullable: true }) cloudInit!: string | null;
  @Column({ name: 'cloud_init_kind', type: 'text', nullable: true })
  cloudInitKind!: CloudInitKind | null;
  @Column({ name: 'ssh_keys', type: 'jsonb' }) sshKeys!: string[];
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
