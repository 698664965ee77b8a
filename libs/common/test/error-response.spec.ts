import { BadRequestException, NotFoundException } from '@nestjs/common';
import {
  ConflictError,
  ErrorKind,
  ForbiddenError,
  InternalError,
  loggableError,
  NotFoundError,
  PolicyDeniedError,
  statusForKind,
  toErrorResponse,
  ValidationError,
} from '@nanopod/common';

describe('the one error shape', () => {
  it('maps each kind of NanopodError to its status with code, message and details', () => {
    const cases: Array<[Error, number, string]> = [
      [new ValidationError('request.invalid', 'bad'), 400, 'request.invalid'],
      [new ForbiddenError(), 403, 'auth.forbidden'],
      [new PolicyDeniedError('policy.denied', 'no', { reasons: ['x'] }), 403, 'policy.denied'],
      [new NotFoundError('sandbox.not_found', 'none'), 404, 'sandbox.not_found'],
      [new ConflictError('sandbox.no_capacity', 'full'), 409, 'sandbox.no_capacity'],
    ];
    for (const [err, status, code] of cases) {
      const res = toErrorResponse(err);
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.message).toBe(err.message);
    }
    expect(
      toErrorResponse(new PolicyDeniedError('policy.denied', 'no', { reasons: ['x'] })).body.error
        .details,
    ).toEqual({
      reasons: ['x'],
    });
  });

  it('turns body-parser failures into 400 malformed JSON and 413 too large', () => {
    const parse = Object.assign(new SyntaxError('Unexpected token'), {
      status: 400,
      type: 'entity.parse.failed',
    });
    expect(toErrorResponse(parse)).toMatchObject({
      status: 400,
      body: { error: { code: 'request.malformed_json' } },
    });
    const big = Object.assign(new Error('too large'), { status: 413, type: 'entity.too.large' });
    expect(toErrorResponse(big)).toMatchObject({
      status: 413,
      body: { error: { code: 'request.too_large' } },
    });
  });

  it('keeps Nest HTTP exceptions in the shape', () => {
    expect(toErrorResponse(new NotFoundException('Cannot GET /nope'))).toMatchObject({
      status: 404,
      body: { error: { code: 'route.not_found', message: 'Cannot GET /nope' } },
    });
    expect(
      toErrorResponse(new BadRequestException(['a must be a string', 'b is bad'])).body.error
        .message,
    ).toBe('a must be a string; b is bad');
  });

  it('hides the message of unknown errors behind a 500 internal', () => {
    const res = toErrorResponse(new TypeError('secret detail: token=abc'));
    expect(res.status).toBe(500);
    expect(res.body.error).toEqual({
      code: 'internal',
      message: 'Internal server error',
      details: null,
    });
    expect(toErrorResponse(new InternalError('internal', 'x')).status).toBe(500);
  });

  it('has a status for every kind', () => {
    const kinds: ErrorKind[] = [
      'validation',
      'unprocessable',
      'unauthenticated',
      'forbidden',
      'policy_denied',
      'not_found',
      'conflict',
      'payload_too_large',
      'rate_limited',
      'upstream',
      'unavailable',
      'internal',
    ];
    for (const k of kinds) expect(statusForKind(k)).toBeGreaterThanOrEqual(400);
  });
  it('logs a failed query without its parameters or a client error without its request headers', () => {
    const dbError = Object.assign(new Error('duplicate key value'), {
      code: '23505',
      query: 'INSERT INTO sessions (token_hash, id_token) VALUES ($1, $2)',
      parameters: ['hash', 'eyJ.secret.token'],
    });
    const httpError = Object.assign(new Error('Request failed'), {
      request: { headers: { authorization: 'Bearer npk_secret' } },
    });
    const logged = JSON.stringify([loggableError(dbError), loggableError(httpError)]);
    expect(logged).toContain('duplicate key value');
    expect(logged).toContain('23505');
    expect(logged).not.toContain('eyJ.secret.token');
    expect(logged).not.toContain('npk_secret');
    expect(logged).not.toContain('INSERT INTO');
  });
});
