import { Controller, Get, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { ApiFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, NANOPOD_CONFIG, NanopodConfig } from '@nanopod/common';
import type { Request, Response } from 'express';
import { assertSameOrigin } from '../auth/same-origin';
import { AuthConfigDto, CallbackQueryDto, LoginQueryDto } from '../dto/auth.dto';
import { LoginFlowService, PendingLogin } from '../services/login-flow.service';
import { SESSION_COOKIE, SessionsService } from '../services/sessions.service';

const LOGIN_COOKIE = 'nanopod_login';

/** No script (the CSP allows none inline); the form posts from our origin, so it passes CSRF. */
const LOGOUT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign out - Nanopod</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto">
<h1>Sign out of Nanopod?</h1>
<form id="nanopod-logout" method="post" action="/auth/logout">
<button type="submit">Sign out</button> <a href="/">Cancel</a>
</form></body></html>
`;
const LOGIN_COOKIE_MAX_AGE_MS = 10 * 60_000;

function readPending(req: Request): PendingLogin | undefined {
  const raw = (req.cookies as Record<string, string> | undefined)?.[LOGIN_COOKIE];
  if (!raw || raw.length > 2048) return undefined;
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as PendingLogin;
    return typeof v.state === 'string' &&
      typeof v.verifier === 'string' &&
      typeof v.nonce === 'string'
      ? v
      : undefined;
  } catch {
    return undefined;
  }
}

/** Browser sign-in: the redirects of the authorization code flow and the session cookie. */
@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(
    private readonly flow: LoginFlowService,
    private readonly sessions: SessionsService,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
  ) {}

  @Get('auth/login')
  @ApiOperation({
    summary: 'Start signing in with GitHub (through the realm)',
    description:
      'Redirects to the realm authorization endpoint with PKCE, state, nonce and kc_idp_hint=github.',
  })
  @ApiFoundResponse({ description: 'Redirect to the realm' })
  @ApiErrors(400, 502)
  async login(@Query() query: LoginQueryDto, @Res() res: Response): Promise<void> {
    const { redirectTo, pending } = await this.flow.begin(query.return_to);
    const { secure } = this.sessions.cookieOptions();
    res.cookie(LOGIN_COOKIE, Buffer.from(JSON.stringify(pending)).toString('base64url'), {
      httpOnly: true,
      sameSite: 'lax',
      secure,
      path: '/auth',
      maxAge: LOGIN_COOKIE_MAX_AGE_MS,
    });
    res.redirect(302, redirectTo);
  }

  @Get('auth/callback')
  @ApiOperation({
    summary: 'Finish signing in (the realm redirects here)',
    description:
      'Exchanges the code, verifies the ID token, upserts the user and sets the session cookie.',
  })
  @ApiFoundResponse({ description: 'Signed in; redirect to return_to' })
  @ApiErrors(400, 401, 502)
  async callback(
    @Query() query: CallbackQueryDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(query)) if (typeof v === 'string') params[k] = v;
    res.clearCookie(LOGIN_COOKIE, { path: '/auth' });
    const { sessionToken, returnTo } = await this.flow.complete(readPending(req), params);
    res.cookie(SESSION_COOKIE, sessionToken, this.sessions.cookieOptions());
    res.redirect(302, returnTo);
  }

  @Get('auth/logout')
  @ApiOperation({
    summary: 'Sign-out page',
    description:
      'Changes nothing: a page with a button that POSTs to /auth/logout (a GET must not sign anyone out).',
  })
  @ApiOkResponse({
    description: 'An HTML page with the sign-out form',
    content: { 'text/html': { schema: { type: 'string' } } },
  })
  logoutPage(@Res() res: Response): void {
    res.status(200).type('html').setHeader('Cache-Control', 'no-store').send(LOGOUT_PAGE);
  }

  @Post('auth/logout')
  @HttpCode(302)
  @ApiOperation({
    summary: 'Sign out',
    description:
      'Ends the platform session, then redirects to the realm end-session endpoint. With the session cookie, only from our own pages (Origin / Sec-Fetch-Site).',
  })
  @ApiFoundResponse({ description: 'Redirect to the realm end_session endpoint' })
  @ApiErrors(403)
  async logout(@Req() req: Request, @Res() res: Response): Promise<void> {
    const token = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
    if (token) assertSameOrigin(req, this.config.publicUrl);
    const redirectTo = await this.flow.logout(token);
    const { maxAge: _maxAge, ...cookie } = this.sessions.cookieOptions();
    res.clearCookie(SESSION_COOKIE, cookie);
    res.redirect(302, redirectTo);
  }

  @Get('v1/auth/config')
  @ApiOperation({
    summary: 'Where and how to sign in',
    description: 'The realm and the public client the CLI uses for the loopback or device flow.',
  })
  @ApiOkResponse({ type: AuthConfigDto })
  authConfig(): AuthConfigDto {
    return {
      issuer: this.config.oidc.issuer,
      cli_client_id: this.config.oidc.cliClientId,
      audience: this.config.oidc.audience,
      scope: 'openid profile email',
      builtin_issuer: this.config.oidc.builtin,
    };
  }
}
