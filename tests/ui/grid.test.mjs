// The grid service in a real browser (issue 6 items 1–4, 8): open a cell
// from the cells page, place a household and see what its file is missing,
// change a worker and see the history, record a part-time worker's activity,
// see coverage with its trend, and upload a CSV whose bad row is reported
// with row, column and reason (all or nothing: nothing written).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoPassword, login, shoot, startBrowser, startServer } from './harness.mjs';

async function signIn(base, username) {
  const res = await fetch(`${base}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: demoPassword(username) }),
  });
  assert.equal(res.status, 201, `sign in ${username}`);
  return (await res.json()).user;
}

describe('grid cells, household files, coverage and import', () => {
  let server;
  let chrome;
  let page;
  let manager;
  let worker;
  let outlet;
  let dir;

  before(async () => {
    server = await startServer({ loans: 5 });
    chrome = await startBrowser({ baseURL: server.base, locale: 'en-US' });
    page = chrome.context.pages()[0] ?? (await chrome.context.newPage());
    manager = await signIn(server.base, 'demo.account_manager');
    worker = await signIn(server.base, 'demo.grid_worker');
    const res = await fetch(`${server.base}/api/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'demo.branch_manager', password: demoPassword('demo.branch_manager') }),
    });
    const { token } = await res.json();
    const nodes = await (await fetch(`${server.base}/api/v1/nodes`, { headers: { authorization: `Bearer ${token}` } })).json();
    outlet = (nodes.items ?? nodes).find((n) => n.kind === 'outlet').id;
    dir = mkdtempSync(join(tmpdir(), 'credgrid-grid-ui-'));
  });

  after(async () => {
    await chrome?.stop();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens a cell, adds a part-time worker and shows who was responsible', async () => {
    await login(page, 'demo.branch_manager');
    await page.goto('/grid');
    await page.getByLabel('Outlet (id)').fill(String(outlet));
    await page.getByLabel('Name', { exact: true }).fill('Dongcun group 1');
    await page.getByLabel('Full-time worker (user id)').fill(String(manager.id));
    await page.getByRole('button', { name: 'Open a cell' }).click();
    await page.waitForURL(/\/grid\/cells\/\d+$/);
    assert.match(await page.locator('#cell-title').textContent(), /Dongcun group 1/);
    await page.getByLabel('User id').fill(String(worker.id));
    await page.getByRole('button', { name: 'Apply' }).click();
    const workers = page.locator('#workers tbody tr');
    assert.equal(await workers.count(), 2, 'the full-time worker and the part-time worker');
    assert.match(await workers.nth(1).textContent(), /demo\.grid_worker.*Part-time/);
    assert.match(await page.locator('#events').textContent(), /Part-time worker added/);
    await shoot(page, 'grid-01-cell');
  });

  it('places a household whose file lists what is missing, and credits an activity', async () => {
    await login(page, 'demo.account_manager');
    await page.goto('/grid');
    await page.getByRole('link', { name: 'Dongcun group 1' }).click();
    await page.getByLabel('Head of household').fill('Wang Wei');
    await page.getByLabel('Household size').fill('4');
    await page.getByRole('button', { name: 'Add a household' }).click();
    await page.waitForURL(/\/grid\/households\/\d+$/);
    const missing = page.locator('#missing');
    assert.match(await missing.textContent(), /Land/);
    assert.match(await missing.textContent(), /Financial needs/);
    await page.getByRole('checkbox', { name: 'Credit' }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    assert.doesNotMatch(await page.locator('#missing').textContent(), /Financial needs/);
    await page.getByLabel('Duty').selectOption('collector');
    await page.getByLabel('Activity').selectOption('collection_contact');
    await page.getByRole('button', { name: 'Record an activity' }).click();
    assert.equal(await page.locator('.notice.error').count(), 0, 'the activity was credited');
    await page.getByLabel('Duty').selectOption('publicist');
    await page.getByLabel('Activity').selectOption('collection_contact');
    await page.getByRole('button', { name: 'Record an activity' }).click();
    assert.match(await page.locator('#notice').textContent(), /not part of the chosen duty/);
    await shoot(page, 'grid-02-household-file');
  });

  it('shows coverage per cell with a trend after a snapshot', async () => {
    await login(page, 'demo.branch_manager');
    await page.goto('/grid/coverage?level=cell');
    const row = page.locator('#coverage tbody tr', { hasText: 'Dongcun group 1' });
    assert.match(await row.textContent(), /Dongcun group 1\s*1\s*0/);
    await page.getByRole('button', { name: "Record today's coverage" }).click();
    await page.goto('/grid/coverage?level=cell');
    assert.equal(await page.locator('#trend-chart svg').count(), 1);
    assert.equal(await page.locator('#trend tbody tr').count(), 1);
    await shoot(page, 'grid-03-coverage');
  });

  it('reports a bad row of an uploaded sheet and writes nothing (all or nothing)', async () => {
    await login(page, 'demo.branch_manager');
    await page.goto('/grid');
    const href = await page.getByRole('link', { name: 'Dongcun group 1' }).getAttribute('href');
    const cell = href.split('/').pop();
    const file = join(dir, 'households.csv');
    writeFileSync(
      file,
      'household_id,cell_id,head_name,identity_number,members,land_mu,annual_income\n' +
        `9001,${cell},Li Hua,,3,2.5,15000.00\n` +
        `9002,999999,Zhang Min,,2,,-5\n`,
    );
    await page.goto('/grid/import');
    await page.getByLabel('Sheet (CSV or XLSX)').setInputFiles(file);
    await page.getByRole('button', { name: 'Import a sheet' }).click();
    assert.match(await page.locator('#import-summary').textContent(), /Nothing was imported: 1 of 2 rows/);
    const issues = page.locator('#issues tbody tr');
    assert.equal(await issues.count(), 2);
    assert.match(await issues.first().textContent(), /3\s*cell_id\s*No such grid cell/);
    await shoot(page, 'grid-04-import-report');
    await page.getByLabel('If some rows have problems').selectOption('valid-rows');
    await page.getByLabel('Sheet (CSV or XLSX)').setInputFiles(file);
    await page.getByRole('button', { name: 'Import a sheet' }).click();
    assert.match(await page.locator('#import-summary').textContent(), /1 imported, 1 rejected/);
  });
});
