import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, REPO_ROOT, type TestDatabase } from '@atlasai/test-kit';
import { startService, stopAllServices } from '@atlasai/test-kit/service';
import { call, createTenantDatabases, dropTenantDatabases, registerTenants, SETTLED, waitForRun, type FleetTenant } from './fleet-fixture.js';

/** The fleet page in a real headless browser (Debian's chromium), against the real Control Plane process on PostgreSQL. */
const CHROMIUM = '/usr/bin/chromium';
const SECRET = 'fleet-page-secret-7e2a';
// The screenshot kept in docs/ is refreshed on request only (ATLAS_UPDATE_SCREENSHOT=1), so a test run
// leaves the checkout as it found it; otherwise it goes to a temporary folder.
const SCREENSHOT = process.env.ATLAS_UPDATE_SCREENSHOT === '1' ? join(REPO_ROOT, 'docs/fleet-page.png') : join(tmpdir(), `atlas-fleet-page-${process.pid}.png`);

let control: TestDatabase | undefined;
let tenants: FleetTenant[] = [];
let browser: Browser | undefined;
let attacker: Server | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  await new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve()));
  attacker = undefined;
  await stopAllServices();
  await control?.drop();
  control = undefined;
  await dropTenantDatabases(tenants);
  tenants = [];
});

/** What the page-side functions below touch of the browser. */
interface BrowserElement {
  textContent: string | null;
  submit?: () => void;
}
interface BrowserGlobals {
  document: { cookie: string; querySelectorAll(selector: string): Iterable<BrowserElement>; getElementById(id: string): BrowserElement | null };
  marker?: number;
}

/** The counts of one row of the waves table, by the header's state names. */
async function rowCounts(page: Page, row: string): Promise<Record<string, string>> {
  // Runs in the page; the tests' TypeScript has no DOM library, hence `globalThis` typed by hand.
  return page.evaluate((selector) => {
    const { document } = globalThis as unknown as BrowserGlobals;
    const heads = [...document.querySelectorAll('#waves thead th')].map((th) => th.textContent ?? '');
    const cells = [...document.querySelectorAll(`${selector} > *`)].map((td) => td.textContent ?? '');
    return Object.fromEntries(heads.map((h, i) => [h, cells[i] ?? '']));
  }, row);
}

/** An HTML page on another site (localhost, while the service is 127.0.0.1) that the test opens as a stranger's page. */
async function startAttacker(html: string): Promise<string> {
  attacker = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise<void>((resolve) => attacker!.listen(0, 'localhost', resolve));
  const address = attacker.address();
  return `http://localhost:${typeof address === 'object' && address ? address.port : 0}/`;
}

describe('fleet page', () => {
  it('signs in through the form, shows counts per wave, throughput and the failed tenant’s error, refreshes itself; the cookie is HttpOnly, SameSite=Strict and opens no action', async () => {
    // Fails, never skips, where the browser is missing: .ci/run and npm run setup install it.
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);

    control = await createPostgresDatabase();
    tenants = await createTenantDatabases([
      { name: 'Acme (internal)' },
      { name: 'Globex' },
      { name: 'Initech' },
      { name: 'Umbrella <script>alert(1)</script>', broken: true },
    ]);
    const base = await startService('control', { CONTROL_PLANE_DATABASE_URL: control.url, INTERNAL_SERVICE_SECRET: SECRET }).ready();
    await registerTenants(control, tenants);
    await control.query(`UPDATE tenants SET metadata = '{"tags":["internal"]}' WHERE id = $1`, [tenants[0]!.id]);
    const broken = tenants[3]!;

    const created = await call(`${base}/api/fleet/runs`, { method: 'POST', json: { mode: 'apply', waves: 'canary=tag:internal,100%' }, secret: SECRET });
    expect(created.status).toBe(201);
    const runId: string = created.body.id;
    const halted = await waitForRun(base, SECRET, runId, (r) => SETTLED.has(r.state));
    expect(halted.state).toBe('halted');

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const scriptErrors: string[] = [];
    page.on('pageerror', (error) => scriptErrors.push(error.message));

    // Signed out: the login form. A wrong secret is refused and sets nothing.
    expect((await page.goto(`${base}/fleet`))!.status()).toBe(401);
    await page.fill('#secret', 'not-the-secret');
    const wrong = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    expect(wrong[0]!.status()).toBe(401);
    expect(await page.locator('[role=alert]').innerText()).toMatch(/not this service/);
    expect(await context.cookies(`${base}/fleet`)).toEqual([]);

    await page.fill('#secret', SECRET);
    await Promise.all([page.waitForURL(`${base}/fleet`), page.click('button[type=submit]')]);
    expect(await page.locator('h1').innerText()).toBe('Fleet');

    // Counts by state per wave, and the run's throughput.
    expect(await page.locator('#run').getAttribute('data-run')).toBe(runId);
    expect(await rowCounts(page, '#waves tr[data-wave="canary"]')).toMatchObject({ Total: '1', succeeded: '1', failed: '0' });
    expect(await rowCounts(page, '#waves tbody tr:nth-child(2)')).toMatchObject({ Total: '3', succeeded: '2', failed: '1', queued: '0' });
    expect(await rowCounts(page, '#waves tfoot tr')).toMatchObject({ State: 'halted', Total: '4', succeeded: '3', failed: '1' });
    expect(await page.locator('#throughput').innerText()).toMatch(/^\d+(\.\d)? tenants\/min$/);

    // The failed tenant, with the engine's error; its name is shown as text, never run as markup.
    const row = page.locator(`#attention tr[data-tenant="${broken.id}"]`);
    const text = await row.innerText();
    expect(text).toContain('Umbrella <script>alert(1)</script>');
    expect(text).toMatch(/failed/);
    expect(text).toMatch(/column "tenant_id" does not exist/);
    expect(text).toMatch(/version 2001/);
    expect(text).toMatch(/SQLSTATE 42703/);
    // The run's own item: its wave and how many attempts it took (a non-transient error is tried once).
    expect(await row.locator('td').nth(2).innerText()).toBe('100%');
    expect(await row.locator('td').nth(6).innerText()).toBe('1');
    expect(text).not.toMatch(/postgres(ql)?:\/\//);
    expect(await page.locator('#attention script').count()).toBe(0);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // The cookie: HttpOnly, SameSite=Strict, for the page and its data only, and not the secret.
    const cookies = await context.cookies(`${base}/fleet`);
    expect(cookies).toHaveLength(1);
    const cookie = cookies[0]!;
    expect(cookie).toMatchObject({ name: 'atlas_fleet_session', httpOnly: true, sameSite: 'Strict', path: '/fleet' });
    expect(cookie.value).not.toContain(SECRET);
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.cookie)).toBe('');

    // The data endpoint takes the cookie; an action from the page itself does not (the cookie is not even sent there).
    const data = await page.evaluate(async () => {
      const r = await fetch('/fleet/data');
      return { status: r.status, body: await r.json() };
    });
    expect(data).toMatchObject({ status: 200, body: { schemaVersion: 1, run: { id: runId, state: 'halted' } } });
    const fromPage = await page.evaluate(async (id) => (await fetch(`/api/fleet/runs/${id}/retry`, { method: 'POST' })).status, runId);
    expect(fromPage).toBe(401);
    // A forged request carrying the cookie itself is refused as well: actions read the header only.
    const forged = await call(`${base}/api/fleet/runs/${runId}/cancel`, { method: 'POST', headers: { cookie: `${cookie.name}=${cookie.value}` } });
    expect(forged.status).toBe(401);

    // Another site: its form posting to an action is refused, and a link to the page arrives signed out (SameSite=Strict).
    const stranger = await startAttacker(
      `<!doctype html><form id="f" method="post" action="${base}/api/fleet/runs/${runId}/cancel"></form><a id="go" href="${base}/fleet">fleet</a>`,
    );
    const other = await context.newPage();
    await other.goto(stranger);
    const posted = await Promise.all([
      other.waitForNavigation(),
      other.evaluate(() => (globalThis as unknown as BrowserGlobals).document.getElementById('f')!.submit!()),
    ]);
    expect(posted[0]!.status()).toBe(401);
    await other.goto(stranger);
    const linked = await Promise.all([other.waitForNavigation(), other.click('#go')]);
    expect(linked[0]!.status()).toBe(401);
    expect((await call(`${base}/api/fleet/runs/${runId}`, { secret: SECRET })).body.state).toBe('halted');

    // Live: fix the tenant, retry through the API, and the open page shows the run succeed without a reload.
    const fix = new pg.Client({ connectionString: broken.url });
    await fix.connect();
    await fix.query('DROP TABLE organizations');
    await fix.end();
    expect((await call(`${base}/api/fleet/runs/${runId}/retry?failedOnly=true`, { method: 'POST', secret: SECRET })).status).toBe(200);
    await page.evaluate(() => ((globalThis as unknown as BrowserGlobals).marker = 42));
    await page.locator('#run[data-state="succeeded"]').waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).marker)).toBe(42);
    expect(await rowCounts(page, '#waves tfoot tr')).toMatchObject({ State: 'succeeded', Total: '4', succeeded: '4', failed: '0' });
    expect(scriptErrors).toEqual([]);

    // Signing out clears the cookie; the page asks for the secret again.
    const out = await Promise.all([page.waitForNavigation(), page.click('header button[type=submit]')]);
    expect(out[0]!.status()).toBe(401);
    expect(await page.locator('#secret').count()).toBe(1);
    expect(await context.cookies(`${base}/fleet`)).toEqual([]);
  });
});
