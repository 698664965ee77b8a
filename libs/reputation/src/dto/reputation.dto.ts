import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import { AllowListEntry } from '../allow-list/allow-list.repository';
import { Reputation, ReputationPart, SCORE_WEIGHTS } from '../score/scoring';

export class ReputationPartDto {
  @ApiProperty({ enum: ['github', 'passport'] }) source!: string;
  @ApiProperty({ enum: ['ok', 'unknown', 'not_linked'] }) status!: string;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Points toward the score; null when unknown',
  })
  value!: number | null;
  @ApiProperty({ description: 'The most points this part can give' }) max!: number;
  @ApiPropertyOptional({
    description: 'Why unknown or not linked (not_configured, unreachable, ...)',
  })
  reason?: string;
  @ApiProperty({ type: Object, description: 'The raw facts this part was computed from' })
  details!: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) fetched_at!: string | null;
  @ApiProperty() explanation!: string;

  static from(p: ReputationPart): ReputationPartDto {
    return { ...p };
  }
}

export class ReputationDto {
  @ApiProperty({ enum: ['ok', 'partial', 'unknown'] }) status!: string;
  @ApiProperty({ nullable: true, type: Number, description: '0..100; null when unknown' })
  score!: number | null;
  @ApiProperty({ type: [ReputationPartDto] }) parts!: ReputationPartDto[];
  @ApiProperty({ format: 'date-time' }) computed_at!: string;
  @ApiProperty({ type: Object, description: 'How the score is made: points per source' })
  weights!: typeof SCORE_WEIGHTS;
  @ApiProperty() explanation!: string;

  static from(r: Reputation): ReputationDto {
    const text =
      r.status === 'unknown'
        ? 'Unknown: GitHub, the main source, could not be read. Decisions treat an unknown score as not qualifying.'
        : r.status === 'partial'
          ? `${r.score} of 100, a lower bound: ${r.parts
              .filter((p) => p.status === 'unknown')
              .map((p) => p.source)
              .join(', ')} could not be read and is not counted.`
          : `${r.score} of 100: GitHub up to ${SCORE_WEIGHTS.github.max} points, Gitcoin Passport up to ${SCORE_WEIGHTS.passport.max}.`;
    return {
      status: r.status,
      score: r.score,
      parts: r.parts.map((p) => ReputationPartDto.from(p)),
      computed_at: r.computed_at,
      weights: SCORE_WEIGHTS,
      explanation: text,
    };
  }
}

export class AllowListEntryBodyDto {
  @ApiProperty({ example: 'org:pytorch', description: 'org:NAME or repo:OWNER/NAME' })
  @IsString()
  @MaxLength(150)
  @Matches(/^(org|repo):\S+$/, { message: 'entry must be org:NAME or repo:OWNER/NAME' })
  entry!: string;
}

export class AllowListEntryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'repo:huggingface/transformers' }) entry!: string;
  @ApiProperty({ enum: ['org', 'repo'] }) kind!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;

  static from(e: AllowListEntry): AllowListEntryDto {
    return {
      id: e.id,
      entry: `${e.kind}:${e.name}`,
      kind: e.kind,
      name: e.name,
      created_at: e.createdAt.toISOString(),
    };
  }
}

export class AllowListDto {
  @ApiProperty({ type: [AllowListEntryDto] }) data!: AllowListEntryDto[];
}
