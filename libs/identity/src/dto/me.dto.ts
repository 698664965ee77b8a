import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { UserEntity } from '../entities/user.entity';
import { Principal } from '../auth/principal';
import { QuotaDto } from './quota.dto';

export class MeDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ nullable: true, type: String, example: 'octocat' }) github_login!: string | null;
  @ApiProperty({ nullable: true, type: String }) github_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) email!: string | null;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ nullable: true, type: String }) avatar_url!: string | null;
  @ApiProperty({ enum: ['admin', 'developer'], isArray: true }) roles!: string[];
  @ApiProperty({
    enum: ['session', 'jwt', 'api_key'],
    description: 'How this request was authenticated',
  })
  authenticated_via!: string;
  @ApiProperty({ isArray: true, enum: ['read', 'write', 'admin'] }) scopes!: string[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiPropertyOptional({ type: QuotaDto, description: 'Limits across your active sandboxes' })
  quota?: QuotaDto;

  static from(user: UserEntity, principal: Principal): MeDto {
    return {
      id: user.id,
      github_login: user.githubLogin,
      github_id: user.githubId,
      email: user.email,
      name: user.displayName,
      avatar_url: user.avatarUrl,
      roles: user.roles,
      authenticated_via: principal.via,
      scopes: principal.scopes,
      created_at: user.createdAt.toISOString(),
    };
  }
}
