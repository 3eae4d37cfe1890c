// Starts `credgrid serve` on a fresh database and Debian's chromium through
// playwright-core (no browser download), and saves screenshots.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
export const screenshotDir = join(repoRoot, 'target', 'ui-screenshots');

/** The credgrid binary: $CREDGRID_BIN, else the newest of target/{release,debug}/credgrid. */
export function credgridBinary() {
  if (process.env.CREDGRID_BIN) return process.env.CREDGRID_BIN;
  const candidates = ['release', 'debug']
    .map((profile) => join(repoRoot, 'target', profile, 'credgrid'))
    .filter((path) => existsSync(path))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (candidates.length === 0) throw new Error('no credgrid binary: run `cargo build -p credgrid-cli` first');
  return candidates[0];
}

/**
 * A server on a fresh database seeded by `credgrid generate` (outlets,
 * products and a few loans), listening on a port the system picks.
 */
export async function startServer({ loans = 20 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'credgrid-ui-'));
  const db = join(dir, 'ui.db');
  const bin = credgridBinary();
  const seeded = spawnSync(bin, ['generate', '--db', db, '--loans', String(loans), '--outlets', '2'], {
    encoding: 'utf8',
  });
  if (seeded.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${bin} generate failed: ${seeded.error ?? ''} ${seeded.stderr ?? ''}`);
  }
  const child = spawn(bin, ['serve', '--db', db, '--addr', '127.0.0.1:0', '--quiet'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const base = await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 15000);
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const found = out.match(/http:\/\/(127\.0\.0\.1:\d+)/);
      if (found) {
        clearTimeout(timer);
        resolvePromise(`http://${found[1]}`);
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  }).catch((error) => {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    base,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Debian's chromium, headless, with a fresh profile (`--user-data-dir`). */
export async function startBrowser(contextOptions) {
  const profile = mkdtempSync(join(tmpdir(), 'credgrid-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    ...contextOptions,
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async stop() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Saves a full-page screenshot as target/ui-screenshots/<name>.png, and
 * fails if a visible form control has no label or the page has no <h1>
 * (every page is checked this way as the journey goes).
 */
export async function shoot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea')]
      .filter((el) => el.type !== 'hidden' && el.offsetParent !== null)
      .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label'))
      .map((el) => el.outerHTML),
  );
  if (unlabelled.length > 0) throw new Error(`${name}: controls without a label: ${unlabelled.join(' ')}`);
  if ((await page.locator('h1').count()) !== 1) throw new Error(`${name}: a page has exactly one <h1>`);
}

/**
 * A valid 18-digit Chinese resident identity number (GB 11643-1999: ISO 7064
 * MOD 11-2 check digit) with a random sequence number.
 */
export function chineseResidentId() {
  const sequence = String(100 + Math.floor(Math.random() * 800));
  const body = `11010519900307${sequence}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((acc, digit, i) => acc + Number(digit) * weights[i], 0);
  return body + '10X98765432'[sum % 11];
}

/** The minor units of an amount as the page shows it (`1,234.50 CNY`, `1.234,50`). */
export function minorUnits(text) {
  const digits = text.replace(/[^0-9-]/g, '');
  return BigInt(digits);
}

/**
 * The public password of a demonstration user (docs/demo.md):
 * `demo.teller` → `demo-teller-2026`, `demo.committee_member.2` → `demo-committee-member-2-2026`.
 */
export function demoPassword(username) {
  const [, role, n] = username.match(/^demo\.([a-z_]+)(?:\.(\d+))?$/) ?? [];
  if (!role) throw new Error(`${username} is not a demonstration user`);
  return `demo-${role.replaceAll('_', '-')}${n ? `-${n}` : ''}-2026`;
}

/**
 * Signs `page` in as `username` (a demonstration user unless a password is
 * given), signing out whoever was signed in first; ends on the home page.
 */
export async function login(page, username, password = demoPassword(username)) {
  await page.context().clearCookies({ name: 'credgrid_session' });
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/\?done=login$/);
}
