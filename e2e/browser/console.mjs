// The console's browser test: headless Chromium (Debian's, never a
// downloaded one) driven by playwright-core, as a user would with mouse and
// keyboard. browser_test.go runs it against the local runtime with:
//
//   HOOKRELAY_API_URL   the API (the console is at $HOOKRELAY_API_URL/console)
//   HOOKRELAY_TENANT    a tenant, and HOOKRELAY_API_KEY a key of it
//   RECEIVER_URL        an endpoint that answers 503 to its first request, then 200
//   CHROMIUM            the browser [/usr/bin/chromium]
//   SCREENSHOTS         where to save screenshots [testdata/screenshots]
//   DOCS_SCREENSHOT     also save the request log there (README's picture), when set
//
// It exits non-zero, saying which step failed, when anything is not as expected.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = (name, def) => {
  const v = process.env[name] || def;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};
const api = env('HOOKRELAY_API_URL');
const tenant = env('HOOKRELAY_TENANT');
const key = env('HOOKRELAY_API_KEY');
const receiver = env('RECEIVER_URL');
const shots = env('SCREENSHOTS', 'testdata/screenshots');
const docsShot = process.env.DOCS_SCREENSHOT || '';
mkdirSync(shots, { recursive: true });

const profile = mkdtempSync(join(tmpdir(), 'hookrelay-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: env('CHROMIUM', '/usr/bin/chromium'),
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 860 },
});
const page = context.pages()[0] || (await context.newPage());
page.setDefaultTimeout(15000);

// Anything the page logs as an error (a failed script, a CSP violation) fails
// the test, except the 401 and 400 that a wrong key and a wrong URL earn on purpose.
const pageErrors = [];
page.on('pageerror', (err) => pageErrors.push(String(err)));
page.on('console', (msg) => {
  if (msg.type() === 'error' && !/status of 40[01]/.test(msg.text())) pageErrors.push(msg.text());
});
// The key must only ever travel as a bearer token to the API.
const apiCalls = [];
page.on('request', (req) => {
  if (new URL(req.url()).pathname.startsWith('/v1/')) apiCalls.push(req.headers()['authorization'] || '');
});

let step = '';
const steps = [];
async function run(name, fn) {
  step = name;
  const began = Date.now();
  await fn();
  steps.push(`ok   ${name} (${Date.now() - began} ms)`);
}
const shot = (name) => page.screenshot({ path: join(shots, name + '.png'), fullPage: true });
const status = page.locator('#status');
const logRow = (i) => page.locator('#request-log tbody tr[data-delivery]').nth(i);

try {
  await run('the console loads without a key, at /console', async () => {
    const res = await page.goto(api + '/console');
    assert.equal(res.status(), 200);
    assert.match(page.url(), /\/console\/$/);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.locator('#nav').isVisible(), false, 'no navigation before signing in');
    const csp = res.headers()['content-security-policy'] || '';
    assert.match(csp, /script-src 'self'/);
  });

  await run('a wrong key is refused with the API error', async () => {
    await page.getByLabel('Tenant id').fill(tenant);
    await page.getByLabel('API key').fill('hr_not_a_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await status.filter({ hasText: 'unauthorized' }).waitFor();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot('01-sign-in-refused');
  });

  await run('sign in with the keyboard alone', async () => {
    await page.reload();
    await page.getByLabel('Tenant id').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'signin-tenant', 'the tenant field has the focus');
    await page.keyboard.type(tenant);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'signin-key', 'Tab goes to the key');
    await page.keyboard.type(key);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Sign in', 'then to the button');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused button shows its focus');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    await page.getByText('No webhooks yet').waitFor();
  });

  await run('create a webhook; its secret is shown once', async () => {
    await page.getByRole('button', { name: 'New webhook' }).click();
    await page.getByRole('heading', { name: 'New webhook' }).waitFor();
    await page.getByLabel('Endpoint URL').fill('not a url');
    await page.getByLabel('Event types').fill('registration.*, webhook.test');
    await page.getByLabel('Description').fill('CRM sync');
    await page.getByLabel('Extra headers').fill('X-Team: crm');
    await page.getByLabel('Retry failed deliveries').uncheck();
    // The browser's own check stops a malformed URL; the API's answers a
    // scheme it does not deliver to, with the field.
    await page.getByRole('button', { name: 'Create webhook' }).click();
    assert.equal(await page.getByLabel('Endpoint URL').evaluate((el) => el.validity.valid), false);
    await page.getByLabel('Endpoint URL').fill('ftp://example.com/hooks');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await status.filter({ hasText: 'field: url' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'wf-url', 'the failing field has the focus');
    await page.getByLabel('Endpoint URL').fill(receiver);
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByRole('heading', { name: 'CRM sync' }).waitFor();
    const secret = await page.locator('#secret-value').textContent();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    await page.getByText('No deliveries yet').waitFor();
  });

  await run('send a test: the receiver answers 503, the log shows it failed', async () => {
    await page.getByRole('button', { name: 'Send test to CRM sync' }).click();
    await status.filter({ hasText: 'Test sent' }).waitFor();
    await logRow(0).locator('.badge.failed').waitFor();
    const cells = await logRow(0).locator('td').allTextContents();
    assert.equal(cells[1], 'webhook.test');
    assert.equal(cells[2], '1', 'one attempt: retry is off');
    assert.match(cells[3], /^503/);
    assert.match(cells[4], /maintenance/);
  });

  await run('details: attempts, response excerpt and payload', async () => {
    const details = logRow(0).getByRole('button', { name: /^Details of delivery/ });
    await details.click();
    await page.locator('tr.detail pre.payload').filter({ hasText: '"type": "webhook.test"' }).waitFor();
    assert.equal(await details.getAttribute('aria-expanded'), 'true');
    await page.locator('tr.detail').getByText('maintenance').waitFor();
  });

  await run('retry: a second attempt succeeds', async () => {
    await logRow(0).getByRole('button', { name: /^Retry delivery/ }).click();
    await status.filter({ hasText: 'accepted' }).waitFor();
    await logRow(0).locator('.badge.succeeded').waitFor();
    const cells = await logRow(0).locator('td').allTextContents();
    assert.equal(cells[2], '2');
    assert.match(cells[3], /^200/);
    await page.locator('tr.detail').getByText('thanks').waitFor();
    await shot('02-request-log');
  });

  await run('the event detail lists the delivery', async () => {
    await page.locator('tr.detail').getByRole('link', { name: /^evt_/ }).click();
    await page.getByRole('heading', { name: /^Event evt_/ }).waitFor();
    await page.getByText('This is a test event from hookrelay.').waitFor();
    await page.locator('tr[data-delivery] .badge.succeeded').waitFor();
    await shot('03-event');
    await page.goBack();
    await page.getByRole('heading', { name: 'CRM sync' }).waitFor();
  });

  await run('back on the webhook, the log opens with its details by keyboard', async () => {
    assert.equal(await page.locator('.secret').count(), 0, 'the secret is shown once only');
    assert.equal(await status.isHidden(), true, 'an old message does not outlive its page');
    assert.equal(await page.locator('main').evaluate((m) => m.textContent.includes('null')), false);
    await logRow(0).locator('.badge.succeeded').waitFor();
    await logRow(0).getByRole('button', { name: /^Details of delivery/ }).focus();
    await page.keyboard.press('Enter');
    await page.locator('tr.detail pre.payload').filter({ hasText: 'webhook.test' }).waitFor();
    await shot('03-request-log-again');
    if (docsShot) await page.screenshot({ path: docsShot, fullPage: true });
  });

  await run('edit, disable and enable, by keyboard', async () => {
    await page.getByRole('button', { name: 'Edit CRM sync' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Edit webhook' }).waitFor();
    await page.getByLabel('Description').fill('CRM sync v2');
    await page.getByLabel('Description').press('Enter');
    await page.getByRole('heading', { name: 'CRM sync v2' }).waitFor();
    await page.getByRole('button', { name: 'Disable CRM sync v2' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('dl .badge.disabled').waitFor();
    const focused = () => page.evaluate(() => document.activeElement.getAttribute('aria-label'));
    assert.equal(await focused(), 'Enable CRM sync v2', 'the focus stays on the toggle');
    await page.keyboard.press('Enter');
    await page.locator('dl .badge.enabled').waitFor();
    assert.equal(await focused(), 'Disable CRM sync v2');
  });

  await run('rotate the secret after a confirmation', async () => {
    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: 'Rotate secret of CRM sync v2' }).click();
    await page.locator('.secret').filter({ hasText: 'New signing secret' }).waitFor();
    assert.match(await page.locator('#secret-value').textContent(), /^whsec_/);
  });

  await run('the webhooks list, and sign out', async () => {
    await page.getByRole('link', { name: '← All webhooks' }).click();
    const row = page.locator('tr[data-webhook]');
    await row.first().waitFor();
    assert.equal(await row.count(), 1);
    await row.getByText('CRM sync v2').waitFor();
    await shot('04-webhooks');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'signing out forgets the key');
  });

  await run('every API call carried the key as a bearer token', async () => {
    assert.ok(apiCalls.length > 10, `only ${apiCalls.length} API calls seen`);
    const bad = apiCalls.filter((a) => a !== 'Bearer ' + key && a !== 'Bearer hr_not_a_key');
    assert.deepEqual(bad, []);
    assert.deepEqual(pageErrors, [], 'the page logged errors');
  });
} catch (err) {
  console.log(steps.join('\n'));
  console.log(`FAIL ${step}\n${err.stack || err}`);
  try { await shot('failure'); } catch { /* the page may be gone */ }
  if (pageErrors.length) console.log('page errors:\n' + pageErrors.join('\n'));
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  process.exit(1);
}
console.log(steps.join('\n'));
console.log(`PASS ${steps.length} steps; screenshots in ${shots}`);
await context.close();
rmSync(profile, { recursive: true, force: true });
