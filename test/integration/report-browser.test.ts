/**
 * The HTML report in a real browser: Debian's headless Chromium, driven by playwright-core,
 * opens the report from a file:// URL (as an auditor would from a mail attachment), checks
 * what a reader must see, proves the page asked the network for nothing, and keeps a
 * screenshot in test-artifacts/report.png.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/compliance/html.js';
import { INJECTION } from '../fixtures/report/verdicts.js';
import { requireBinary } from '../helpers/engines.js';
import { fixtureModel } from '../unit/report/compliance/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve('test-artifacts');

describe('HTML compliance report in Chromium', () => {
  let browser: BrowserContext;
  let page: Page;
  let profile: string;
  const scratch: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    requireBinary(
      CHROMIUM,
      'install Debian chromium: bash scripts/setup-host.sh (or apt-get install -y chromium)',
    );
    const { set, model } = fixtureModel();
    const dir = mkdtempSync(join(tmpdir(), 'imagegate-report-html-'));
    scratch.push(set.dir, dir);
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtml(model));
    profile = mkdtempSync(join(tmpdir(), 'imagegate-chromium-'));
    // A fresh profile per run: nothing cached, nothing synced.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      viewport: { width: 1280, height: 900 },
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
    page = browser.pages()[0] ?? (await browser.newPage());
    const url = pathToFileURL(file).href;
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    page.on('dialog', async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(url, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
    for (const d of [profile, ...scratch]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('shows the summary counts across artifacts', async () => {
    await expect(page.locator('#sum-artifacts .value').textContent()).resolves.toBe('3');
    await expect(page.locator('#sum-passed .value').textContent()).resolves.toBe('1');
    await expect(page.locator('#sum-failed .value').textContent()).resolves.toBe('1');
    await expect(page.locator('#sum-tampered .value').textContent()).resolves.toBe('1');
  });

  it('puts the tamper warning first, naming the edited verdict', async () => {
    const alert = page.locator('#tamper-warning');
    await expect(alert.isVisible()).resolves.toBe(true);
    await expect(alert.textContent()).resolves.toContain('ami-0e9f8a7b6c5d4e3f2-us-east-1.verdict.json');
    const firstSection = await page.locator('main > section').first().getAttribute('id');
    expect(firstSection).toBe('tamper-warning');
  });

  it("shows a failed check's message", async () => {
    const row = page.locator('tr.check.fail', { hasText: 'package auditd is not installed' });
    await expect(row.count()).resolves.toBe(1);
    await expect(row.isVisible()).resolves.toBe(true);
  });

  it('shows the control table with coverage', async () => {
    const row = page.locator('#control-table tr', { hasText: 'CIS-5.2.10' });
    await expect(row.locator('.pill').textContent()).resolves.toBe('fail');
    await expect(row.locator('td').nth(3).textContent()).resolves.toBe('1/2');
    await expect(page.locator('#control-table tbody tr').count()).resolves.toBe(9);
  });

  it('renders an injected resource id as text, running nothing', async () => {
    const code = page.locator('tr.resource code', { hasText: 'onerror=alert(1)' });
    await expect(code.textContent()).resolves.toBe(INJECTION);
    await expect(page.title()).resolves.toBe('Release 2026.11 compliance');
    await expect(page.locator('img').count()).resolves.toBe(0);
    await expect(page.locator('script').count()).resolves.toBe(1);
    expect(dialogs).toEqual([]);
  });

  it('draws both charts inline', async () => {
    await expect(page.locator('#charts svg.chart').count()).resolves.toBe(2);
    await expect(
      page.locator('#charts svg.chart').first().locator('text', { hasText: 'TAMPERED' }).count(),
    ).resolves.toBe(1);
  });

  it('made no network requests and broke no policy', async () => {
    expect(requests).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('opens every collapsed section for print', async () => {
    await page.emulateMedia({ media: 'print' });
    await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
    const closed = await page.locator('details:not([open])').count();
    expect(closed).toBe(0);
    await page.emulateMedia({ media: 'screen' });
  });

  it('takes a screenshot for people to look at', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const png = await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });
});
