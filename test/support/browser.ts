import { SESSION_COOKIE, SessionsService } from '@nanopod/identity';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, Browser, BrowserContext, Page } from 'playwright-core';
import type { TestPlatform, TestUser } from './test-platform';

/*
 * Real-browser tests: Debian's Chromium driven by playwright-core (never a downloaded browser).
 *
 *   describeWithBrowser('the sandboxes page', () => {
 *     it('lists my sandboxes', () => withBrowser(async (page) => {
 *       await signInAs(page, platform, 'octocat');
 *       await page.goto(`${platform.url}/sandboxes`);
 *       await page.getByRole('heading', { name: 'Sandboxes' }).waitFor();
 *     }));
 *   });
 */

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const ROOT = resolve(__dirname, '../..');
export const RESULTS_DIR = join(ROOT, 'test-results');
/** Screenshots kept as CI artifacts (git-ignored): every page at every width. */
export const ARTIFACTS_DIR = join(ROOT, 'test/artifacts');
const WEB_SRC = join(ROOT, 'apps/web');
const WEB_OUT = join(ROOT, 'dist/web');

export const hasChromium = existsSync(CHROMIUM_PATH);

/** `describe` when Chromium is installed, else a skipped `describe` with the reason logged. */
export function describeWithBrowser(name: string, fn: () => void): void {
  if (hasChromium) return describe(name, fn);
  console.warn(`skipped "${name}": no Chromium at ${CHROMIUM_PATH}`);
  describe.skip(name, fn);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function webIsFresh(): boolean {
  const index = join(WEB_OUT, 'index.html');
  return existsSync(index) && statSync(index).mtimeMs >= newestMtime(WEB_SRC);
}

/**
 * Builds the dashboard into dist/web when it is missing or older than apps/web. Every browser spec
 * calls it; after the first build the output is fresh, so a test run builds at most once. A lock
 * directory keeps concurrent jest processes from building over each other.
 */
export async function ensureWebBuilt(): Promise<void> {
  if (webIsFresh()) return;
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const lock = join(ROOT, 'dist', '.web-build.lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than two minutes belongs to a build that died.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 120_000) rmdirSync(lock);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (webIsFresh()) return;
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/vite/bin/vite.js'),
        'build',
        '--config',
        'apps/web/vite.config.ts',
        '--logLevel',
        'warn',
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, NODE_ENV: 'production' },
      },
    );
  } finally {
    rmdirSync(lock);
  }
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches Chromium (playwright gives it a fresh --user-data-dir). Close it yourself. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export interface BrowserOptions {
  /** Let the page read and write the clipboard (for copy buttons). */
  clipboard?: boolean;
  viewport?: { width: number; height: number };
  /** Name of the screenshot saved to test-results/ when the callback throws. */
  name?: string;
}

/**
 * One Chromium per test file, launched on first use and closed after the file's tests: a launch
 * costs seconds on a busy machine, and every test gets its own context anyway (cookies, storage,
 * permissions: nothing is shared between contexts).
 */
let shared: Promise<Browser> | null = null;

function sharedBrowser(): Promise<Browser> {
  if (!shared) {
    const launching = launchBrowser();
    shared = launching;
    // A launch that failed is tried again by the next test.
    launching.catch(() => {
      if (shared === launching) shared = null;
    });
  }
  return shared;
}

if (typeof afterAll === 'function') {
  afterAll(async () => {
    const browser = shared;
    shared = null;
    await (await browser?.catch(() => null))?.close();
  });
}

/**
 * Runs `fn` with a fresh context and page of the file's browser, closes them after, and saves a
 * screenshot to test-results/<name>-failure.png when `fn` throws. Builds the dashboard first if it
 * is stale.
 */
export async function withBrowser<T>(
  fn: (page: Page, context: BrowserContext) => Promise<T>,
  options: BrowserOptions = {},
): Promise<T> {
  await ensureWebBuilt();
  let browser = await sharedBrowser();
  if (!browser.isConnected()) {
    shared = null;
    browser = await sharedBrowser();
  }
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    permissions: options.clipboard ? ['clipboard-read', 'clipboard-write'] : [],
  });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    try {
      return await fn(page, context);
    } catch (err) {
      await screenshot(page, `${options.name ?? 'browser'}-failure`).catch(() => undefined);
      throw err;
    }
  } finally {
    await context.close();
  }
}

/**
 * Saves a PNG of the viewport (or the whole page: `fullPage`, where the sticky nav and top bar
 * may be drawn mid-page) to test-results/<name>.png (or `dir`, e.g. ARTIFACTS_DIR) and returns
 * its path.
 */
export async function screenshot(
  page: Page,
  name: string,
  options: { fullPage?: boolean; dir?: string } = {},
): Promise<string> {
  const dir = options.dir ?? RESULTS_DIR;
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name.replace(/[^a-z0-9._-]+/gi, '-')}.png`);
  await page.screenshot({ path, fullPage: options.fullPage ?? false });
  return path;
}

/**
 * Signs the browser in as a (new or existing) user with a real server-side session: the session
 * row is made by SessionsService and its cookie set for the platform's origin, exactly what the
 * GitHub sign-in leaves behind. Returns the user (with an API key for setup calls).
 */
export async function signInAs(
  page: Page,
  platform: TestPlatform,
  login?: string,
  options: { roles?: ('admin' | 'developer')[] } = {},
): Promise<TestUser> {
  const user = await platform.createUser({ githubLogin: login, roles: options.roles });
  await startSession(page, platform, user);
  return user;
}

/** Signs the browser in as an existing user (a second browser context for the same person). */
export async function startSession(
  page: Page,
  platform: TestPlatform,
  user: Pick<TestUser, 'id'>,
): Promise<void> {
  const { token } = await platform.app.get(SessionsService).start(user.id);
  await page.context().addCookies([
    {
      name: SESSION_COOKIE,
      value: token,
      url: baseUrl(platform),
      httpOnly: true,
      sameSite: 'Lax',
    },
  ]);
}

/** The origin the platform's cookies and redirects use (its public URL). */
export function baseUrl(platform: TestPlatform): string {
  return platform.config.publicUrl;
}

/**
 * Signs in the way a person does: the dashboard's "Sign in with GitHub" button, the realm (the
 * built-in issuer in tests), the development GitHub page with `login` typed in, and back to
 * `returnTo` with a session cookie. Needs the built-in issuer (the embedded default).
 */
export async function signInWithGitHub(
  page: Page,
  platform: TestPlatform,
  login: string,
  options: { returnTo?: string; name?: string; email?: string } = {},
): Promise<void> {
  const base = baseUrl(platform);
  await page.goto(`${base}${options.returnTo ?? '/'}`);
  await page.getByRole('link', { name: 'Sign in with GitHub' }).click();
  // Keycloak may show its login page first (no kc_idp_hint honoured); then GitHub's form.
  const githubForm = page.locator('form#github-login');
  const realmButton = page.locator('#idp-github');
  await githubForm.or(realmButton).first().waitFor();
  if (await realmButton.isVisible()) await realmButton.click();
  await page.locator('#login').fill(login);
  if (options.name) await page.locator('#name').fill(options.name);
  if (options.email) await page.locator('#email').fill(options.email);
  await githubForm.locator('button[type=submit]').click();
  await page.waitForURL(
    (url) => url.origin === new URL(base).origin && !url.pathname.startsWith('/realms'),
  );
  await page.getByTestId('current-user').waitFor();
}
