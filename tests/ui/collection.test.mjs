// Collections in a real browser (issue 7): the collector's worklist with the
// parts of every priority, a loan's collection page where a contact is
// registered and actions are recorded — a call outside the allowed hours and
// a free-text SMS are refused naming the conduct rule, a call at 10:00 and a
// template SMS are recorded and show in the history and the outbox — and
// the results page with roll rates.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { demoPassword, login, shoot, startBrowser, startServer } from './harness.mjs';

async function token(base, username) {
  const res = await fetch(`${base}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: demoPassword(username) }),
  });
  assert.equal(res.status, 201, `sign in ${username}`);
  return res.json();
}

async function call(base, bearer, method, path, body) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

describe('collection worklist, conduct rules and results', () => {
  let server;
  let chrome;
  let page;
  let loanIds;

  before(async () => {
    server = await startServer({ loans: 200 });
    chrome = await startBrowser({ baseURL: server.base, locale: 'en-US' });
    page = chrome.context.pages()[0] ?? (await chrome.context.newPage());
    // The branch manager closes the day (building the worklists), gives the
    // overdue loans of the generated portfolio to the demonstration
    // collector and rebuilds the worklists of the closed date.
    const manager = await token(server.base, 'demo.branch_manager');
    const collector = await token(server.base, 'demo.collector');
    const eod = await call(server.base, manager.token, 'POST', '/eod', {});
    const closed = eod.dates_closed?.[0];
    const list = await call(server.base, manager.token, 'GET', '/collection/worklist?assignee_id=1&limit=200');
    assert.ok(list.items.length > 0, 'the generated portfolio has overdue loans');
    loanIds = list.items.map((i) => i.loan_id);
    for (const id of loanIds) {
      await call(server.base, manager.token, 'POST', `/collection/loans/${id}/assignment`, {
        collector_id: collector.user.id,
      });
    }
    await call(server.base, manager.token, 'POST', '/collection/worklists/rebuild', closed ? { date: closed } : {});
  });

  after(async () => {
    await chrome?.stop();
    await server?.stop();
  });

  it('shows the collector the worklist in priority order with every part', async () => {
    await login(page, 'demo.collector');
    await page.goto('/collection');
    const rows = page.locator('#worklist tbody tr');
    assert.equal(await rows.count(), loanIds.length);
    const header = await page.locator('#worklist thead').textContent();
    for (const part of ['Amount overdue', 'Days past due', 'Cost of the next action', 'Ability to pay', 'Broken promises', 'Relationship']) {
      assert.match(header, new RegExp(part));
    }
    const priorities = [];
    for (let i = 0; i < (await rows.count()); i++) {
      const cells = await rows.nth(i).locator('td').allTextContents();
      const parts = cells.slice(5, 11).map(Number);
      assert.equal(parts.reduce((a, b) => a + b, 0), Number(cells[4]), 'the parts add up to the priority');
      priorities.push(Number(cells[4]));
    }
    assert.deepEqual([...priorities].sort((a, b) => b - a), priorities, 'highest priority first');
    await shoot(page, 'collection-01-worklist');
  });

  it('refuses calls outside the hours and free text, naming the rule, and records the rest', async () => {
    await page.goto('/collection');
    await page.locator('#worklist tbody tr').first().getByRole('link').click();
    await page.waitForURL(/\/collection\/loans\/\d+$/);
    const contact = page.locator('#contact-form');
    await contact.getByLabel('Relation').selectOption('borrower');
    await contact.getByLabel('Name').fill('Wang Fang');
    await contact.getByLabel('Number or address').fill('13800138000');
    await contact.getByLabel('Given by, when').fill('the borrower, at the outlet');
    await contact.getByRole('button', { name: 'Add the contact' }).click();
    assert.match(await page.locator('#contacts').textContent(), /13800138000/);

    const form = page.locator('#action-form');
    const today = new Date().toISOString().slice(0, 10);
    await form.getByLabel('Channel').selectOption('phone');
    await form.getByLabel('Local time').fill(`${today}T22:30`);
    await form.getByLabel('Contact').selectOption({ index: 1 });
    await form.getByLabel('Outcome').selectOption('no_answer');
    await form.getByRole('button', { name: 'Record an action' }).click();
    assert.match(await page.getByRole('alert').textContent(), /allowed contact hours/);
    await shoot(page, 'collection-02-refused-hours');

    await form.getByLabel('Channel').selectOption('sms');
    await form.getByLabel('Local time').fill(`${today}T10:00`);
    await form.getByLabel('Contact').selectOption({ index: 1 });
    await form.getByLabel('Outcome').selectOption('sent');
    await form.getByLabel('Free text').fill('PAY NOW');
    await form.getByRole('button', { name: 'Record an action' }).click();
    assert.match(await page.getByRole('alert').textContent(), /templates only for written messages/);

    await form.getByLabel('Channel').selectOption('phone');
    await form.getByLabel('Local time').fill(`${today}T10:00`);
    await form.getByLabel('Contact').selectOption({ index: 1 });
    await form.getByLabel('Outcome').selectOption('reached');
    await form.getByLabel('Free text').fill('');
    await form.getByLabel('Notes').fill('will pay after the harvest');
    await form.getByRole('button', { name: 'Record an action' }).click();
    assert.match(await page.getByRole('status').textContent(), /recorded/);

    await form.getByLabel('Channel').selectOption('sms');
    await form.getByLabel('Local time').fill(`${today}T11:00`);
    await form.getByLabel('Contact').selectOption({ index: 1 });
    await form.getByLabel('Outcome').selectOption('sent');
    await form.getByLabel('Template (written messages)').selectOption('sms_reminder');
    await form.getByRole('button', { name: 'Record an action' }).click();
    const history = await page.locator('#history tbody tr').allTextContents();
    assert.equal(history.length, 2, 'refused attempts leave nothing behind');
    assert.match(history.join('\n'), /will pay after the harvest/);
    assert.match(await page.locator('#case-outbox').textContent(), /13800138000.*queued/s);
    await shoot(page, 'collection-03-case');

    await page.goto('/collection/outbox');
    assert.equal(await page.locator('#outbox tbody tr').count(), 1);
  });

  it('shows the branch manager the results with roll rates', async () => {
    await login(page, 'demo.branch_manager');
    await page.goto('/collection/results');
    assert.match(await page.locator('#results-facts').textContent(), /Cure rate/);
    assert.equal(await page.locator('#roll-rates tbody tr').count(), 5, 'current, 1-30, 31-60, 61-90, 90+');
    await shoot(page, 'collection-04-results');
  });
});
