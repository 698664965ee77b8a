import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@nanopod/common';
import type { Request } from 'express';
import { WebhookAckDto } from '../dto/billing-response.dto';
import { LagoWebhookService } from '../services/lago-webhook.service';

export const LAGO_WEBHOOK_PATH = '/v1/billing/webhooks/lago';

@ApiTags('billing')
@Controller('v1/billing/webhooks')
export class LagoWebhookController {
  constructor(private readonly webhooks: LagoWebhookService) {}

  @Post('lago')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Lago webhooks (wallet top-ups)',
    description:
      'Signed by Lago (X-Lago-Signature, jwt or hmac). A bad signature is a 401 and changes nothing.',
  })
  @ApiHeader({ name: 'X-Lago-Signature', required: true })
  @ApiHeader({ name: 'X-Lago-Signature-Algorithm', required: false })
  @ApiHeader({ name: 'X-Lago-Unique-Key', required: false })
  @ApiOkResponse({ type: WebhookAckDto })
  @ApiErrors(400, 401, 502)
  async receive(
    @Req() req: Request,
    @Headers('x-lago-signature') signature?: string,
    @Headers('x-lago-signature-algorithm') algorithm?: string,
    @Headers('x-lago-unique-key') uniqueKey?: string,
  ): Promise<WebhookAckDto> {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    return this.webhooks.receive(raw, { signature, algorithm, uniqueKey });
  }
}
