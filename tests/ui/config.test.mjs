// Maker-checker configuration in a real browser (issue 4 §7): one user
// proposes a change of the approval limits, the same user is refused
// approving it, a second administrator approves it and it is in force; and
// personal data is masked for a role that does not need it (R-SEC-4).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { login, shoot, startBrowser, startServer } from './harness.mjs';

describe('configuration changes need a second user', () => {
  let server;
  let chrome;
  let page;

  before(async () => {
    server = await startServer({ loans: 5 });
    chrome = await startBrowser({ baseURL: server.base, locale: 'en-US' });
    page = chrome.context.pages()[0] ?? (await chrome.context.newPage());
  });

  after(async () => {
    await chrome?.stop();
    await server?.stop();
  });

  it('lets one user propose, refuses them approving, and a second approves', async () => {
    await login(page, 'demo.administrator');
    await page.getByRole('link', { name: 'Configuration' }).click();
    await page.getByLabel('Start from what is in force for').selectOption('limits');
    await page.getByRole('button', { name: 'Load' }).click();
    const payload = page.getByLabel('The configuration, one item per line');
    const current = await payload.inputValue();
    assert.match(current, /role=approver ceiling=100000\.00/);
    await payload.fill(current.replace('role=approver ceiling=100000.00', 'role=approver ceiling=150000.00'));
    await page.getByLabel('Kind of configuration').selectOption('limits');
    await page.getByLabel('Note for the checker (optional)').fill('board decision 2026-3');
    await page.getByRole('button', { name: 'Propose' }).click();
    await page.waitForURL(/\/config\?done=proposed$/);
    const change = page.getByTestId('pending-change');
    assert.equal(await change.count(), 1);
    assert.match(await change.locator('.diff-del').textContent(), /ceiling=100000\.00/);
    assert.match(await change.locator('.diff-add').textContent(), /ceiling=150000\.00/);
    await shoot(page, 'config-01-proposed');

    await change.getByRole('button', { name: 'Approve and put in force' }).click();
    assert.match(await page.getByRole('alert').textContent(), /cannot also approve/);
    assert.equal(await page.getByTestId('pending-change').count(), 1, 'still pending');
    await shoot(page, 'config-02-maker-refused');

    await login(page, 'demo.administrator.2');
    await page.goto('/config');
    await page.getByTestId('pending-change').getByRole('button', { name: 'Approve and put in force' }).click();
    await page.waitForURL(/\/config\?done=approved$/);
    assert.match(await page.getByRole('status').textContent(), /approved and in force/);
    assert.equal(await page.getByTestId('pending-change').count(), 0);
    assert.match(await page.locator('#config-history').textContent(), /version:1/);
    await page.getByLabel('Start from what is in force for').selectOption('limits');
    await page.getByRole('button', { name: 'Load' }).click();
    assert.match(await payload.inputValue(), /role=approver ceiling=150000\.00/);
    await shoot(page, 'config-03-approved');
  });

  it('masks identity numbers for an auditor and logs an account manager who sees them', async () => {
    await login(page, 'demo.auditor');
    await page.goto('/clients/1');
    assert.match(await page.locator('#masking-note').textContent(), /masked for your roles/);
    assert.match(await page.locator('.facts').textContent(), /\*{4}/);
    await shoot(page, 'config-04-client-masked');
    await login(page, 'demo.account_manager');
    await page.goto('/clients/1');
    assert.match(await page.locator('#masking-note').textContent(), /recorded in the audit trail/);
  });
});
