import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorBodyDto } from '../errors/error-body.dto';

const descriptions: Record<number, string> = {
  400: 'Invalid input (validation failure, malformed JSON, bad id)',
  401: 'Missing or invalid credentials',
  403: 'Authenticated but not allowed (role, scope, ownership or policy)',
  404: 'Not found (or not yours)',
  409: 'Conflict with the current state',
  413: 'Request body too large',
  422: 'Semantically invalid (e.g. a policy that does not compile)',
  429: 'Rate limited',
  502: 'An upstream service failed',
  503: 'Not ready',
};

/** Documents the error answers of a route, all in the one error shape. */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: descriptions[status] ?? 'Error', type: ErrorBodyDto }),
    ),
  );
}
