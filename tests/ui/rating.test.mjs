// Ratings, the village notice and a credit line in a real browser (issue 6):
// a rating shows each factor's contribution; the notice prints on A4 without
// its forms and reads in Chinese; an objection is recorded from the notice;
// after the notice period the line opens and a draw from its page becomes a
// loan application. Data is set up through the JSON API as the staff would.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { demoPassword, login, shoot, startBrowser, startServer } from './harness.mjs';

async function session(base, username) {
  const res = await fetch(`${base}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: demoPassword(username) }),
  });
  assert.equal(res.status, 201, `sign in ${username}`);
  const { token } = await res.json();
  return async (method, path, body) => {
    const r = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
}

describe('ratings, notices and credit lines', () => {
  let server;
  let chrome;
  let page;
  let notice;
  let ratings = [];

  before(async () => {
    server = await startServer({ loans: 10 });
    chrome = await startBrowser({ baseURL: server.base, locale: 'en-US' });
    page = chrome.context.pages()[0] ?? (await chrome.context.newPage());
    const manager = await session(server.base, 'demo.account_manager');
    const clients = (await manager('GET', '/clients?limit=10')).body.items;
    const outlet = clients[0].outlet_id;
    const atOutlet = clients.filter((c) => c.outlet_id === outlet).slice(0, 2);
    for (const [index, client] of atOutlet.entries()) {
      const rated = await manager('POST', '/ratings', {
        client_id: client.id,
        village: 'Dongcun',
        income_stability: 8,
        debt_to_assets: 20,
        family_situation: 3,
        village_reputation: index === 0 ? 5 : 3,
        file_completeness: 100,
      });
      assert.equal(rated.status, 201, JSON.stringify(rated.body));
      ratings.push(rated.body);
    }
    const branch = await session(server.base, 'demo.branch_manager');
    const published = await branch('POST', '/rating/notices', { outlet_id: outlet, village: 'Dongcun' });
    assert.equal(published.status, 201, JSON.stringify(published.body));
    notice = published.body;
  });

  after(async () => {
    await chrome?.stop();
    await server?.stop();
  });

  it('shows a rating with the contribution of every factor', async () => {
    await login(page, 'demo.account_manager');
    await page.goto('/ratings');
    await page.getByRole('link', { name: ratings[0].client_name }).first().click();
    const rows = page.locator('#contributions tbody tr');
    assert.equal(await rows.count(), 6, 'one row per factor');
    assert.match(await rows.first().textContent(), /Repayment history/);
    assert.match(await page.locator('#grade').textContent(), /Excellent/);
    await shoot(page, 'rating-01-contributions');
  });

  it('prints the village notice on A4 without its forms, and in Chinese', async () => {
    await page.goto(`/notices/${notice.id}`);
    assert.match(await page.locator('#notice-title').textContent(), /Dongcun/);
    assert.equal(await page.locator('#entries tbody tr').count(), 2);
    await shoot(page, 'rating-02-notice');
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('#object-form').isVisible(), false, 'forms are not printed');
    const pdf = await page.pdf({ format: 'A4' });
    assert.equal(pdf.subarray(0, 4).toString(), '%PDF');
    await page.emulateMedia({ media: 'screen' });
    await page.getByRole('link', { name: '中文' }).click();
    assert.match(await page.locator('#notice-title').textContent(), /公示/);
    await shoot(page, 'rating-03-notice-zh');
    await page.getByRole('link', { name: 'English' }).click();
  });

  it('records an objection from the notice page', async () => {
    await page.goto(`/notices/${notice.id}`);
    await page.locator('#object-form select[name="rating_id"]').selectOption(String(ratings[1].id));
    await page.locator('#object-form input[name="raised_by"]').fill('Wang (neighbour)');
    await page.locator('#object-form input[name="reason"]').fill('owes the village shop');
    await page.locator('#object-form button').click();
    await page.waitForURL(new RegExp(`/notices/${notice.id}$`));
    assert.match(await page.locator('#objections').textContent(), /owes the village shop/);
    await shoot(page, 'rating-04-objection');
  });

  it('opens the line after the notice period and draws on it from its page', async () => {
    const admin = await session(server.base, 'demo.administrator');
    for (let day = 0; day < 7; day += 1) {
      const closed = await admin('POST', '/eod', {});
      assert.ok(closed.status < 300, JSON.stringify(closed.body));
    }
    await login(page, 'demo.account_manager');
    await page.goto('/ratings');
    await page.locator('#lines a').first().click();
    assert.match(await page.locator('#line-facts').textContent(), /10,000\.00/);
    await page.locator('#draw-form input[name="amount"]').fill('1000');
    await page.locator('#draw-form button').click();
    await page.waitForURL(/\/loans\/\d+\?done=applied$/);
    await page.goBack();
    await page.reload();
    assert.match(await page.locator('#movements').textContent(), /Drawn/);
    assert.match(await page.locator('#line-facts').textContent(), /9,000\.00/);
    await shoot(page, 'rating-05-line');
    const lineUrl = page.url();
    await login(page, 'demo.branch_manager');
    await page.goto(lineUrl);
    await page.locator('details:has(#act-form) > summary').click();
    await page.locator('#act-form select[name="act"]').selectOption('freeze');
    await page.locator('#act-form input[name="reason"]').fill('harvest under review');
    await page.locator('#act-form button').click();
    await page.waitForURL(/\/lines\/\d+$/);
    assert.match(await page.locator('#line-facts').textContent(), /Frozen/);
    assert.match(await page.locator('#line-facts').textContent(), /harvest under review/);
    await login(page, 'demo.account_manager');
    await page.goto(lineUrl);
    await page.locator('#draw-form input[name="amount"]').fill('500');
    await page.locator('#draw-form button').click();
    assert.match(await page.getByRole('alert').textContent(), /frozen/i, 'the refusal names the rule');
    await shoot(page, 'rating-06-line-frozen');
  });

  it('rates a household from the ratings page and shows it', async () => {
    await page.goto('/ratings');
    await page.locator('summary', { hasText: 'Rate a household' }).click();
    await page.locator('#rate-form input[name="client_id"]').fill(String(ratings[0].client_id));
    await page.locator('#rate-form input[name="village"]').fill('Dongcun');
    for (const [name, value] of [['income_stability', '1'], ['debt_to_assets', '70'], ['family_situation', '1'], ['village_reputation', '2'], ['file_completeness', '60']]) {
      await page.locator(`#rate-form input[name="${name}"]`).fill(value);
    }
    await page.locator('#rate-form button').click();
    await page.waitForURL(/\/ratings\/\d+$/);
    assert.match(await page.locator('#grade').textContent(), /Below general/);
    await shoot(page, 'rating-07-rated-below-general');
  });
});
