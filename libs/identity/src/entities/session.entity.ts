import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A browser session. The cookie holds a random token; only its hash is stored. */
@Entity({ name: 'sessions' })
export class SessionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index({ unique: true })
  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  @Index()
  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  /** Keycloak's session id (`sid`), for back-channel and RP-initiated logout. */
  @Column({ name: 'idp_session_id', type: 'text', nullable: true })
  idpSessionId!: string | null;

  /** The realm's ID token, sent back as id_token_hint when the user logs out. */
  @Column({ name: 'id_token', type: 'text', nullable: true })
  idToken!: string | null;
}
