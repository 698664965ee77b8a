import { spawn } from 'node:child_process';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import * as oidc from 'openid-client';
import type { components } from '../generated/api-types';
import { resolveApiOptions } from '../lib/api';
import { apiClient, unwrap } from '../lib/client';
import {
  clearCredentials,
  credentialsPath,
  readCredentials,
  writeCredentials,
} from '../lib/credentials';
import { CliError } from '../lib/errors';
import { parseDurationSeconds } from '../lib/flags';
import { printRecord } from '../lib/output';
import { fetchAuthConfig, realmClient, toCredentials } from '../lib/realm-client';
import { startSpinner } from '../lib/spinner';

interface GlobalFlags {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

interface LoginParams extends GlobalFlags {
  device?: boolean;
  browser: boolean;
  port?: string;
  /** Seconds to wait for the sign-in (parsed strictly by --timeout). */
  timeout: number;
}

type Me = components['schemas']['MeDto'];

function meRecord(me: Me, url: string): Record<string, unknown> {
  return {
    url,
    user: me.id,
    github_login: me.github_login,
    name: me.name,
    email: me.email,
    roles: me.roles,
    via: me.authenticated_via,
    scopes: me.scopes,
    ...(me.quota
      ? {
          quota: `${me.quota.max_sandboxes} sandboxes, ${me.quota.max_cpu} CPU, ${me.quota.max_memory_mb} MB, ${me.quota.max_gpus} GPUs`,
        }
      : {}),
  };
}

/** Best effort: a desktop opens the page; headless machines just use the printed URL. */
function openBrowser(url: string): void {
  if (process.env.NANOPOD_NO_BROWSER) return;
  const cmd =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return;
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // the URL is printed anyway
  }
}

const DONE_PAGE = `<!doctype html><meta charset="utf-8"><title>nanopod</title>
<body style="font-family:system-ui;margin:64px"><h1>Signed in</h1><p>You can close this page and return to the terminal.</p></body>`;

/** RFC 8252 loopback redirect: a one-shot server on 127.0.0.1 receives the authorization code. */
async function loopbackLogin(
  config: oidc.Configuration,
  scope: string,
  params: LoginParams,
): Promise<oidc.TokenEndpointResponse> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  let server: Server | undefined;
  try {
    const callback = new Promise<URL>((resolve, reject) => {
      server = createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        if (url.pathname !== '/callback') {
          res.writeHead(404).end();
          return;
        }
        // Any local page can reach this port: only the answer to our own request ends the wait.
        if (url.searchParams.get('state') !== state) {
          res.writeHead(400).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(DONE_PAGE);
        resolve(url);
      });
      server.once('error', reject);
    });
    await new Promise<void>((resolve) =>
      server!.listen(Number(params.port ?? 0), '127.0.0.1', () => resolve()),
    );
    const port = (server!.address() as AddressInfo).port;
    const redirectUri = `http://127.0.0.1:${port}/callback`;
    const authUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      response_type: 'code',
      scope,
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      kc_idp_hint: 'github',
    });
    process.stderr.write(`Open this page to sign in:\n\n  ${authUrl.href}\n\n`);
    if (params.browser) openBrowser(authUrl.href);
    const timeoutMs = params.timeout * 1000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new CliError('Timed out waiting for the sign-in', 1, 'cli.login_timeout')),
        timeoutMs,
      );
    });
    const returned = await Promise.race([callback, timeout]).finally(() => clearTimeout(timer));
    const error = returned.searchParams.get('error');
    if (error) {
      throw new CliError(
        `The identity provider refused the sign-in: ${returned.searchParams.get('error_description') ?? error}`,
        1,
        'cli.login_refused',
      );
    }
    const current = new URL(redirectUri);
    current.search = returned.search;
    return await oidc.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
  } finally {
    server?.close();
    server?.closeAllConnections();
  }
}

/** RFC 8628 device flow: for machines without a browser. */
async function deviceLogin(
  config: oidc.Configuration,
  scope: string,
  params: LoginParams,
): Promise<oidc.TokenEndpointResponse> {
  const device = await oidc.initiateDeviceAuthorization(config, { scope });
  const page = device.verification_uri_complete ?? device.verification_uri;
  process.stderr.write(
    `To sign in, open\n\n  ${page}\n\nand check that it shows the code ${device.user_code}\n\n`,
  );
  if (params.browser) openBrowser(page);
  const spinner = await startSpinner('Waiting for the sign-in', { json: params.json });
  const signal = AbortSignal.timeout(params.timeout * 1000);
  try {
    const tokens = await oidc.pollDeviceAuthorizationGrant(config, device, undefined, { signal });
    spinner.succeed('Signed in');
    return tokens;
  } catch (err) {
    spinner.fail('Sign-in failed');
    if (signal.aborted) {
      throw new CliError('Timed out waiting for the sign-in', 1, 'cli.login_timeout');
    }
    throw new CliError(`Device sign-in failed: ${(err as Error).message}`, 1, 'cli.login_failed');
  }
}

async function login(params: LoginParams): Promise<void> {
  const { url } = resolveApiOptions({ url: params.url });
  const auth = await fetchAuthConfig(url);
  const config = await realmClient(auth.issuer, auth.cli_client_id);
  let tokens: oidc.TokenEndpointResponse;
  try {
    tokens = params.device
      ? await deviceLogin(config, auth.scope, params)
      : await loopbackLogin(config, auth.scope, params);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`Sign-in failed: ${(err as Error).message}`, 1, 'cli.login_failed');
  }
  const creds = toCredentials(url, auth.issuer, auth.cli_client_id, tokens);
  writeCredentials(creds);
  const me = await unwrap(apiClient({ url, token: creds.access_token }).GET('/v1/me'));
  printRecord({ ...meRecord(me, url), credentials: credentialsPath() }, { json: params.json });
}

async function logout(flags: GlobalFlags): Promise<void> {
  const stored = readCredentials();
  let revoked = false;
  if (stored?.refresh_token && stored.issuer && stored.client_id) {
    try {
      const config = await realmClient(stored.issuer, stored.client_id);
      await oidc.tokenRevocation(config, stored.refresh_token, {
        token_type_hint: 'refresh_token',
      });
      revoked = true;
    } catch {
      // the local sign-out below is what matters; the refresh token also expires on its own
    }
  }
  const removed = clearCredentials();
  printRecord({ signed_out: removed, refresh_token_revoked: revoked }, { json: flags.json });
}

async function whoami(flags: GlobalFlags): Promise<void> {
  const opts = resolveApiOptions(flags);
  const me = await unwrap(apiClient(opts).GET('/v1/me'));
  printRecord(meRecord(me, opts.url), { json: flags.json });
}

export function registerAuthCommands(program: Command): void {
  program
    .command('login')
    .description(
      'Sign in with GitHub through the realm (browser with a loopback redirect, or --device)',
    )
    .option('--device', 'use the device flow: open the printed page on any machine')
    .option('--no-browser', 'do not try to open a browser; just print the URL')
    .option('--port <port>', 'loopback port for the redirect (default: any free port)')
    .option(
      '--timeout <duration>',
      'how long to wait for the sign-in (e.g. 90s, 5m)',
      parseDurationSeconds('--timeout'),
      300,
    )
    .action(async (_opts: unknown, cmd: Command) => login(cmd.optsWithGlobals<LoginParams>()));
  program
    .command('logout')
    .description('Forget the stored sign-in and revoke its refresh token')
    .action(async (_opts: unknown, cmd: Command) => logout(cmd.optsWithGlobals<GlobalFlags>()));
  program
    .command('whoami')
    .description('Who the platform thinks you are')
    .action(async (_opts: unknown, cmd: Command) => whoami(cmd.optsWithGlobals<GlobalFlags>()));
}
