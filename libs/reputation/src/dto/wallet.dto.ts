import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { LinkedWallet } from '../wallet/wallet.repository';

export class WalletNonceRequestDto {
  @ApiPropertyOptional({
    example: '0x2c1e0000000000000000000000000000000000c5',
    description: 'With the address, the answer carries the full message to sign',
  })
  @IsOptional()
  @IsString()
  @Matches(/^0x[0-9a-fA-F]{40}$/, { message: 'address must be a 0x-prefixed 20-byte hex address' })
  address?: string;

  @ApiPropertyOptional({ example: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2 ** 31 - 1)
  chain_id?: number;
}

export class WalletChallengeDto {
  @ApiProperty({ description: 'Single use, valid 10 minutes' }) nonce!: string;
  @ApiProperty({ example: 'nanopod.example.com' }) domain!: string;
  @ApiProperty() uri!: string;
  @ApiProperty({ example: '1' }) version!: string;
  @ApiProperty() chain_id!: number;
  @ApiProperty() statement!: string;
  @ApiProperty({ format: 'date-time' }) issued_at!: string;
  @ApiProperty({ format: 'date-time' }) expiration_time!: string;
  @ApiPropertyOptional({ description: 'The EIP-4361 text to sign (when an address was given)' })
  message?: string;
}

export class WalletVerifyDto {
  @ApiProperty({ description: 'The EIP-4361 message that was signed' })
  @IsString()
  @MaxLength(4000)
  message!: string;

  @ApiProperty({ description: 'EIP-191 personal_sign signature, 0x + 130 hex' })
  @IsString()
  @MaxLength(200)
  signature!: string;
}

export class WalletDto {
  @ApiProperty({ example: '0x2c1E…' }) address!: string;
  @ApiProperty() chain_id!: number;
  @ApiProperty({ format: 'date-time' }) linked_at!: string;

  static from(w: LinkedWallet): WalletDto {
    return { address: w.address, chain_id: w.chainId, linked_at: w.linkedAt.toISOString() };
  }
}

export class WalletStatusDto {
  @ApiProperty({ type: WalletDto, nullable: true }) wallet!: WalletDto | null;
}
