// The staff journey in a real browser: sign in → register a client →
// apply (the workflow to disbursement is workflow.test.mjs) → repay a
// disbursed loan → the balance and the journal show it;
// refusals shown on the page; the language switch; every page screenshotted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chineseResidentId, login, minorUnits, shoot, startBrowser, startServer } from './harness.mjs';

describe('staff web application', () => {
  let server;
  let chrome;
  let context;
  let page;
  let loanUrl;

  before(async () => {
    server = await startServer();
    chrome = await startBrowser({ baseURL: server.base, locale: 'en-US' });
    context = chrome.context;
    page = context.pages()[0] ?? (await context.newPage());
  });

  after(async () => {
    await chrome?.stop();
    await server?.stop();
  });

  it('asks to sign in, refuses a wrong password, then shows the home page', async () => {
    await page.goto('/');
    assert.match(page.url(), /\/login$/);
    await shoot(page, '01-login');
    await page.getByLabel('Username').fill('demo.account_manager');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.match(await page.getByRole('alert').textContent(), /username or password/);
    assert.equal(await page.getByLabel('Username').inputValue(), 'demo.account_manager');
    await page.getByLabel('Password').fill('demo-account-manager-2026');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/\?done=login$/);
    assert.match(await page.locator('form.user').textContent(), /Signed in as/);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), "Today's work");
    assert.match(await page.locator('.bdate').textContent(), /Business date/);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
    await page.keyboard.press('Enter');
    assert.match(page.url(), /#main$/, 'the skip link is the first stop of the keyboard');
    await shoot(page, '02-home');
  });

  it('shows a refused field next to it, then registers the client', async () => {
    await page.goto('/clients');
    await page.getByRole('link', { name: 'Register a client' }).click();
    await page.getByLabel('Name').fill('Li Wei');
    await page.getByLabel('Identity number').fill('110105199003071234');
    await page.getByRole('button', { name: 'Register' }).click();
    const fieldError = page.locator('#id_number-error');
    assert.match(await fieldError.textContent(), /Identity number/);
    assert.equal(await page.getByLabel('Identity number').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Name').inputValue(), 'Li Wei', 'the form keeps what was typed');
    await shoot(page, '03-client-refused');
    await page.getByLabel('Identity number').fill(chineseResidentId());
    await page.getByRole('button', { name: 'Register' }).click();
    await page.waitForURL(/\/clients\/\d+\?done=client$/);
    assert.equal(await page.getByRole('status').locator('.notice-title').textContent(), 'The client is registered.');
    await shoot(page, '04-client');
  });

  it('submits an application, which waits for its workflow', async () => {
    await page.getByRole('link', { name: 'Apply for a loan' }).click();
    assert.notEqual(await page.getByLabel('Client number').inputValue(), '');
    await page.getByLabel('Principal').fill('12000.00');
    await page.getByLabel('Number of installments').fill('12');
    await page.getByLabel('Purpose').fill('Seeds and fertiliser');
    await shoot(page, '05-apply');
    await page.getByRole('button', { name: 'Submit the application' }).click();
    await page.waitForURL(/\/loans\/\d+\?done=applied$/);
    assert.match(await page.locator('h1 .badge').textContent(), /Application/);
    // Its steps to disbursement are walked in workflow.test.mjs; the
    // servicing below uses a loan the generated portfolio disbursed.
    await page.getByRole('link', { name: 'Open the approval workflow' }).click();
    assert.equal(await page.locator('#steps li[data-state=current]').count(), 1);
    await shoot(page, '06-application-workflow');
    await login(page, 'demo.teller');
    loanUrl = '/loans/1';
    await page.goto(loanUrl);
    assert.match(await page.locator('h1 .badge').textContent(), /Disbursed/);
  });

  it('refuses a negative repayment with a message naming the field', async () => {
    await page.getByLabel('Amount (CNY)').fill('-50');
    await page.getByRole('button', { name: 'Record the repayment' }).click();
    const alert = page.getByRole('alert');
    assert.equal(await alert.locator('.notice-title').textContent(), 'A field needs correcting');
    assert.match(await alert.locator('.notice-detail').textContent(), /^Amount: /);
    assert.match(await page.locator('#amount-error').textContent(), /Amount/);
    assert.doesNotMatch(await page.content(), /panicked|stack backtrace|RUST_BACKTRACE/);
    await shoot(page, '07-repayment-refused');
  });

  it('records a repayment once: the balance falls and the journal shows it', async () => {
    await page.goto(loanUrl);
    const before = minorUnits(await page.getByTestId('principal-outstanding').textContent());
    await page.getByLabel('Amount (CNY)').fill('1500.00');
    await page.getByRole('button', { name: 'Record the repayment' }).click();
    await page.waitForURL(/done=repay$/);
    const afterRepay = minorUnits(await page.getByTestId('principal-outstanding').textContent());
    assert.ok(afterRepay < before, `outstanding ${afterRepay} < ${before}`);
    assert.equal(await page.locator('#journal tbody.entry').count(), 2, 'the disbursement and the repayment');
    assert.match(await page.locator('#journal').textContent(), /Repayment/);
    assert.match(await page.locator('#transactions').textContent(), /1,500\.00/);
    await shoot(page, '08-loan-repaid');
  });

  it('does not pay twice when the same repayment form is submitted twice', async () => {
    await page.goto(loanUrl);
    const form = page.locator(`form[action="${loanUrl}/repay"]`);
    const key = await form.locator('input[name=idempotency_key]').inputValue();
    const body = { idempotency_key: key, amount: '100.00', value_date: '', prepayment: 'shorten_term' };
    for (let i = 0; i < 2; i += 1) {
      const response = await page.request.post(`${loanUrl}/repay`, { form: body, maxRedirects: 0 });
      assert.equal(response.status(), 303);
    }
    await page.goto(loanUrl);
    const amounts = await page.locator('#transactions tbody tr td:nth-child(5)').allTextContents();
    assert.equal(amounts.filter((a) => a === '100.00').length, 1, `one payment of 100.00 in ${amounts}`);
  });

  it('shows the trial balance, the end of day and the portfolio', async () => {
    await login(page, 'demo.branch_manager');
    await page.goto('/ledger');
    assert.equal(await page.locator('#trial-balance tfoot td').last().textContent(), 'Debits equal credits');
    await shoot(page, '10-ledger');
    await page.goto('/products');
    await shoot(page, '11-products');
    await page.getByRole('link', { name: 'GEN-ANNUITY' }).click();
    await shoot(page, '12-product');
    await page.goto('/loans');
    await page.evaluate(() => (window.stillHere = true));
    await page.getByLabel('Status').selectOption('application');
    await page.waitForURL(/status=application/);
    await page.locator('#loan-results tbody tr').first().waitFor();
    const statuses = await page.locator('#loan-results tbody td:nth-child(3)').allTextContents();
    assert.ok(statuses.length > 0 && statuses.every((s) => s === 'Application'), `${statuses}`);
    assert.equal(await page.evaluate(() => window.stillHere), true, 'htmx swapped the list in place');
    await shoot(page, '13-loans');
    await page.goto('/clients');
    await page.evaluate(() => (window.stillHere = true));
    await page.getByLabel('Name or identity number').pressSequentially('Li W');
    await page.waitForURL(/\/clients\?q=Li(%20|\+)W/);
    await page.locator('#results', { hasText: 'Li Wei' }).waitFor();
    assert.equal(await page.locator('#results tbody tr').count(), 1);
    assert.equal(await page.evaluate(() => window.stillHere), true, 'htmx swapped the results in place');
    await shoot(page, '14-clients');
    await page.goto('/eod');
    await shoot(page, '15-eod');
    await page.getByRole('button', { name: 'Run the end of day' }).click();
    assert.match(await page.locator('#eod-summary').textContent(), /Loans processed/);
    await shoot(page, '16-eod-summary');
    await page.goto('/portfolio');
    assert.equal(await page.locator('svg.chart').count(), 1);
    await shoot(page, '17-portfolio');
    const csv = await page.request.get('/portfolio.csv');
    assert.match(csv.headers()['content-type'], /^text\/csv/);
    assert.match(await csv.text(), /^Outlet,Product,Currency,Active loans,/);
    await page.goto('/');
    assert.match(await page.locator('.tiles').textContent(), /loans past due/);
    await shoot(page, '18-home-after-eod');
    await page.getByRole('link', { name: /loans past due/ }).click();
    await page.waitForURL(/status=overdue/);
    const daysPastDue = (await page.locator('#loan-results tbody td:nth-child(6)').allTextContents()).map(Number);
    assert.ok(daysPastDue.length > 0 && daysPastDue.every((d) => d > 0), `${daysPastDue}`);
    assert.deepEqual(daysPastDue, [...daysPastDue].sort((a, b) => b - a), 'most overdue first');
  });

  it('switches the language to Chinese and Spanish and keeps the page', async () => {
    await login(page, 'demo.teller');
    await page.goto(loanUrl);
    await page.getByRole('link', { name: '中文' }).click();
    await page.waitForURL((url) => url.pathname === loanUrl);
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh');
    assert.equal(await page.locator('#sch-h').textContent(), '还款计划');
    assert.equal(await page.locator('#je-h').textContent(), '会计分录');
    assert.match(await page.locator('.bdate').textContent(), /营业日.*\d{4}年\d{1,2}月\d{1,2}日/);
    await shoot(page, '19-loan-zh');
    await page.getByRole('link', { name: 'Español' }).click();
    await page.waitForURL((url) => url.pathname === loanUrl);
    assert.equal(await page.locator('#sch-h').textContent(), 'Plan de pagos');
    assert.equal(await page.locator('#je-h').textContent(), 'Asientos contables');
    assert.match(await page.getByTestId('principal-outstanding').textContent(), /^\d{1,3}(\.\d{3})*,\d{2} CNY$/);
    await page.getByLabel('Importe (CNY)').fill('0');
    await page.getByRole('button', { name: 'Registrar el pago' }).click();
    assert.equal(await page.getByRole('alert').locator('.notice-title').textContent(), 'Hay un dato que corregir');
    await shoot(page, '20-loan-es-refused');
    await page.goto('/portfolio');
    await shoot(page, '21-portfolio-es');
  });
});
