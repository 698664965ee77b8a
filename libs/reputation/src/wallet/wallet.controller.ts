import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@nanopod/common';
import { Authenticated, CurrentPrincipal, Principal } from '@nanopod/identity';
import {
  WalletChallengeDto,
  WalletDto,
  WalletNonceRequestDto,
  WalletStatusDto,
  WalletVerifyDto,
} from '../dto/wallet.dto';
import { WalletService } from './wallet.service';

@ApiTags('reputation')
@Controller('v1/me/wallet')
export class WalletController {
  constructor(private readonly wallets: WalletService) {}

  @Get()
  @Authenticated('read')
  @ApiOperation({ summary: 'Your linked wallet, if any' })
  @ApiOkResponse({ type: WalletStatusDto })
  async get(@CurrentPrincipal() p: Principal): Promise<WalletStatusDto> {
    const w = await this.wallets.get(p.userId);
    return { wallet: w ? WalletDto.from(w) : null };
  }

  @Post('nonce')
  @Authenticated('write')
  @ApiOperation({
    summary: 'Start a Sign-In with Ethereum proof',
    description:
      'A single-use nonce (10 minutes) and the EIP-4361 fields; with `address`, the message to sign.',
  })
  @ApiCreatedResponse({ type: WalletChallengeDto })
  @ApiErrors(400)
  challenge(
    @CurrentPrincipal() p: Principal,
    @Body() b: WalletNonceRequestDto,
  ): Promise<WalletChallengeDto> {
    return this.wallets.challenge(p.userId, b.address, b.chain_id);
  }

  @Post('verify')
  @HttpCode(200)
  @Authenticated('write')
  @ApiOperation({
    summary: 'Link the wallet that signed the message',
    description:
      'Checks domain, nonce (single use), time window and signature. Re-linking replaces your wallet (audited).',
  })
  @ApiOkResponse({ type: WalletDto })
  @ApiErrors(400, 409)
  async verify(@CurrentPrincipal() p: Principal, @Body() b: WalletVerifyDto): Promise<WalletDto> {
    return WalletDto.from(await this.wallets.verify(p.userId, b.message, b.signature));
  }

  @Delete()
  @HttpCode(200)
  @Authenticated('write')
  @ApiOperation({ summary: 'Unlink your wallet (audited)' })
  @ApiOkResponse({ type: WalletDto })
  @ApiErrors(404)
  async unlink(@CurrentPrincipal() p: Principal): Promise<WalletDto> {
    return WalletDto.from(await this.wallets.unlink(p.userId));
  }
}
