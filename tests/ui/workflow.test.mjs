// The origination workflow in a real browser (issue 4): the account manager
// registers a client and applies, secures the application and takes it; the
// reviewer, a second account manager, the approver and the teller take it
// through its steps to disbursement; a repayment follows and the balance and
// the journal show it. A separation-of-duties refusal is shown on the page
// naming its rule. Every page is screenshotted (target/ui-screenshots/wf-*).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chineseResidentId, login, minorUnits, shoot, startBrowser, startServer } from './harness.mjs';

describe('origination workflow', () => {
  let server;
  let chrome;
  let page;
  let loanUrl;
  let workflowUrl;

  before(async () => {
    server = await startServer();
    chrome = await startBrowser({ baseURL: server.base, locale: 'en-US' });
    page = chrome.context.pages()[0] ?? (await chrome.context.newPage());
  });

  after(async () => {
    await chrome?.stop();
    await server?.stop();
  });

  /** Signs the current step of the workflow page with its required documents. */
  async function signStep(reason) {
    const form = page.locator('#step-form');
    for (const box of await form.locator('input[data-required=true]').all()) await box.check();
    await form.getByLabel('Reasons (one per line)').fill(reason);
    await form.getByRole('button', { name: 'Sign' }).click();
  }

  async function historyRows() {
    return page.locator('#history tbody tr').count();
  }

  it('registers a client, applies and opens the workflow', async () => {
    await login(page, 'demo.account_manager');
    await page.goto('/clients/new');
    await page.getByLabel('Name').fill('Zhao Min');
    await page.getByLabel('Identity number').fill(chineseResidentId());
    await page.getByRole('button', { name: 'Register' }).click();
    await page.waitForURL(/\/clients\/\d+\?done=client$/);
    await page.getByRole('link', { name: 'Apply for a loan' }).click();
    await page.getByLabel('Principal').fill('8000.00');
    await page.getByLabel('Number of installments').fill('12');
    await page.getByRole('button', { name: 'Submit the application' }).click();
    await page.waitForURL(/\/loans\/\d+\?done=applied$/);
    loanUrl = new URL(page.url()).pathname;
    workflowUrl = `${loanUrl}/workflow`;
    await page.getByRole('link', { name: 'Open the approval workflow' }).click();
    await page.waitForURL(new RegExp(`${workflowUrl}$`));
    assert.match(await page.locator('#workflow-facts').textContent(), /medium risk/);
    assert.equal(await page.locator('#steps li[data-state=current]').count(), 1);
    await shoot(page, 'wf-01-workflow-new');
  });

  it('records a deposit pledge and signs the application step', async () => {
    const form = page.locator('#collateral-form');
    await form.getByLabel('Kind', { exact: true }).selectOption('deposit_pledge');
    await form.getByLabel('Value', { exact: true }).fill('8000.00');
    await form.getByLabel('Description', { exact: true }).fill('Deposit certificate 0042');
    await form.getByRole('button', { name: 'Record' }).click();
    await page.waitForURL(new RegExp(`${workflowUrl}$`));
    assert.match(await page.locator('#collateral').textContent(), /8,000\.00/);
    assert.match(await page.locator('#workflow-facts').textContent(), /medium-guaranteed/);
    await signStep('Application form and identity checked at the counter');
    await page.waitForURL(new RegExp(`${workflowUrl}$`));
    assert.equal(await historyRows(), 1);
    await shoot(page, 'wf-02-application-signed');
  });

  it('the reviewer finds it in the inbox and reviews it', async () => {
    await login(page, 'demo.reviewer');
    await page.goto('/applications');
    const row = page.locator(`#inbox tr[data-loan="${loanUrl.split('/').pop()}"]`);
    assert.match(await row.textContent(), /review/);
    await shoot(page, 'wf-03-inbox');
    await row.getByRole('link').click();
    await signStep('Income proof matches the household register');
    await page.waitForURL(new RegExp(`${workflowUrl}$`));
    assert.equal(await historyRows(), 2);
  });

  it('refuses the account manager who took the application as the credit grantor', async () => {
    await login(page, 'demo.account_manager');
    await page.goto(workflowUrl);
    await signStep('I grant the credit');
    const alert = page.getByRole('alert');
    assert.match(await alert.locator('.notice-title').textContent(), /already acted on step application of this application/);
    assert.match(await alert.locator('.notice-detail').textContent(), /sod-same-actor-two-steps/);
    assert.equal(await historyRows(), 2, 'the refused act changed nothing');
    await shoot(page, 'wf-04-refused-same-person');
  });

  it('a second account manager grants, the approver approves, the teller disburses', async () => {
    await login(page, 'demo.account_manager.2');
    await page.goto(workflowUrl);
    await signStep('Rate 12 %, 12 months');
    await page.waitForURL(new RegExp(`${workflowUrl}$`));
    await login(page, 'demo.approver');
    await page.goto(workflowUrl);
    await signStep('Within policy and covered by the pledge');
    await page.waitForURL(new RegExp(`${workflowUrl}$`));
    assert.match(await page.locator('#workflow-facts').textContent(), /Approved/);
    await shoot(page, 'wf-05-approved');
    await login(page, 'demo.teller');
    await page.goto(workflowUrl);
    await signStep('Notice checked, funds paid to the client account');
    await page.waitForURL(new RegExp(`${workflowUrl}$`));
    assert.match(await page.locator('#workflow-facts').textContent(), /Disbursed/);
    assert.equal(await historyRows(), 5);
    assert.equal(await page.locator('#steps li[data-state=done]').count(), 5);
    await shoot(page, 'wf-06-disbursed');
  });

  it('a repayment lowers the balance and the journal shows it', async () => {
    await page.goto(loanUrl);
    const before = minorUnits(await page.getByTestId('principal-outstanding').textContent());
    assert.equal(before, 800000n);
    await page.getByLabel('Amount (CNY)').fill('500.00');
    await page.getByRole('button', { name: 'Record the repayment' }).click();
    await page.waitForURL(/done=repay$/);
    const afterRepay = minorUnits(await page.getByTestId('principal-outstanding').textContent());
    assert.ok(afterRepay < before, `outstanding ${afterRepay} < ${before}`);
    assert.equal(await page.locator('#journal tbody.entry').count(), 2, 'disbursement and repayment');
    assert.match(await page.locator('#journal').textContent(), /Repayment/);
    await shoot(page, 'wf-07-repaid');
  });

  it("the client's page shows the loan's exposure and its collateral", async () => {
    await login(page, 'demo.account_manager');
    await page.goto(loanUrl);
    await page.locator('a[href^="/clients/"]').first().click();
    await page.waitForURL(/\/clients\/\d+$/);
    assert.match(await page.getByTestId('exposure').textContent(), /7,500\.00/);
    const collateral = page.locator('#client-collateral');
    assert.match(await collateral.textContent(), /pledge of deposit certificates/);
    assert.match(await collateral.textContent(), /8,000\.00/);
    await shoot(page, 'wf-08-client');
  });
});
