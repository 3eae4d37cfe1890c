// Each role's home page, the portfolio dashboard over time with its
// drill-down (branch → outlet → account manager) and its downloads, in a
// real browser; every page screenshotted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { login, shoot, startBrowser, startServer } from './harness.mjs';

describe('home pages and the portfolio dashboard', () => {
  let server;
  let chrome;
  let page;

  before(async () => {
    server = await startServer({ loans: 80 });
    chrome = await startBrowser({ baseURL: server.base, locale: 'en-US', acceptDownloads: true });
    page = chrome.context.pages()[0] ?? (await chrome.context.newPage());
  });

  after(async () => {
    await chrome?.stop();
    await server?.stop();
  });

  it('closes a few business dates so the dashboard has a history', async () => {
    await login(page, 'demo.branch_manager');
    await page.goto('/dashboard');
    assert.equal(await page.locator('#no-history').count(), 1, 'no end of day yet');
    await page.goto('/eod');
    const open = await page.locator('input[name="date"]').inputValue();
    const through = new Date(`${open}T00:00:00Z`);
    through.setUTCDate(through.getUTCDate() + 4);
    await page.getByLabel('Close through').fill(through.toISOString().slice(0, 10));
    await page.getByRole('button', { name: 'Run the end of day' }).click();
    assert.match(await page.locator('#eod-summary').textContent(), /Loans processed/);
  });

  it("shows each role's own panels on its home page", async () => {
    const roles = [
      ['demo.branch_manager', ['#applications', '#overdue'], ['#to_disburse', '#committee']],
      ['demo.account_manager', ['#applications', '#overdue'], ['#to_disburse', '#committee']],
      ['demo.teller', ['#to_disburse'], ['#applications', '#overdue', '#committee']],
      ['demo.committee_member', ['#committee', '#applications'], ['#to_disburse']],
      ['demo.collector', ['#overdue'], ['#applications', '#to_disburse']],
      ['demo.auditor', [], ['#applications', '#overdue', '#to_disburse', '#committee']],
    ];
    for (const [user, shown, hidden] of roles) {
      await login(page, user);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), "Today's work");
      for (const panel of shown) assert.equal(await page.locator(panel).count(), 1, `${user} sees ${panel}`);
      for (const panel of hidden) assert.equal(await page.locator(panel).count(), 0, `${user} has no ${panel}`);
      assert.equal(await page.locator('#alerts').count(), 1);
      await shoot(page, `home-${user.replace('demo.', '')}`);
    }
    await login(page, 'demo.branch_manager');
    const overdue = await page.locator('#overdue tbody tr').count();
    assert.ok(overdue > 0, 'the generated portfolio has loans past due');
    assert.match(await page.locator('#alerts').textContent(), /90 days or more past due/);
    assert.match(await page.locator('.tiles').textContent(), /loans past due/);
    await page.getByRole('link', { name: /loans past due/ }).click();
    await page.waitForURL(/status=overdue/);
  });

  it('drills down branch → outlet → account manager and back up', async () => {
    await login(page, 'demo.branch_manager');
    await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Portfolio dashboard');
    assert.equal(await page.locator('svg.chart').count(), 4, 'outstanding, mix, flows, provisions');
    assert.match(await page.locator('#drill thead').textContent(), /Branch/);
    await shoot(page, 'dashboard-institution');
    await page.locator('#drill tbody a', { hasText: 'GEN-BRANCH' }).click();
    await page.waitForURL(/node=\d+/);
    assert.match(await page.locator('#drill thead').textContent(), /Outlet/);
    const outlets = await page.locator('#drill tbody tr').count();
    assert.equal(outlets, 2, 'the two generated outlets');
    await shoot(page, 'dashboard-branch');
    await page.locator('#drill tbody a').first().click();
    assert.match(await page.locator('#drill thead').textContent(), /Account manager/);
    await shoot(page, 'dashboard-outlet');
    await page.locator('#drill tbody a').first().click();
    await page.waitForURL(/manager=\d+/);
    const path = page.getByRole('navigation', { name: 'Drill-down path' }).getByRole('link');
    assert.equal(await path.count(), 4, 'head office, branch, outlet, account manager');
    await shoot(page, 'dashboard-account-manager');
    await path.first().click();
    assert.match(await page.locator('#drill thead').textContent(), /Branch/);
    await page.getByLabel('Period').selectOption('30');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/days=30/);
    assert.match(await page.locator('#history-h + p').textContent(), /^5 business dates/);
  });

  it('downloads every table as CSV and XLSX', async () => {
    await login(page, 'demo.branch_manager');
    await page.goto('/dashboard');
    for (const [table, header] of [
      ['drill', /^Branch,Currency,Active loans,Outstanding,/],
      ['history', /^Business date,Currency,Active loans,Outstanding,/],
    ]) {
      const section = table === 'drill' ? '#drill-h + p' : '#history-h + p';
      const [csv] = await Promise.all([
        page.waitForEvent('download'),
        page.locator(section).getByRole('link', { name: 'Download as CSV' }).click(),
      ]);
      const text = await streamText(await csv.createReadStream());
      assert.match(text, header);
      assert.ok(text.split('\r\n').length > 2, `${table}: rows after the header`);
      const [xlsx] = await Promise.all([
        page.waitForEvent('download'),
        page.locator(section).getByRole('link', { name: 'Download as XLSX' }).click(),
      ]);
      assert.match(xlsx.suggestedFilename(), /\.xlsx$/);
      const bytes = await streamBytes(await xlsx.createReadStream());
      assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'a zip workbook');
    }
  });

  it('formats the dashboard for the language and refuses a bad address plainly', async () => {
    await login(page, 'demo.branch_manager');
    await page.goto('/lang?to=es&back=/dashboard');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Panel de la cartera');
    const outstanding = await page.locator('#drill tbody td:nth-child(4)').first().textContent();
    assert.match(outstanding, /^\d{1,3}(\.\d{3})*,\d{2}$/, `Spanish grouping: ${outstanding}`);
    await shoot(page, 'dashboard-es');
    await page.goto('/lang?to=zh&back=/');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), '今日工作');
    await shoot(page, 'home-zh');
    await page.goto('/lang?to=en&back=/dashboard?node=abc');
    assert.match(await page.getByRole('alert').textContent(), /Organisation unit: must be a positive whole number/);
    assert.doesNotMatch(await page.content(), /panicked|stack backtrace/);
    await page.goto('/dashboard?days=45');
    assert.match(await page.getByRole('alert').textContent(), /30, 90 or 365/);
  });
});

async function streamBytes(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function streamText(stream) {
  return (await streamBytes(stream)).toString('utf8');
}
