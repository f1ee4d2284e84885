/**
 * The back-office console in a real browser (Debian's Chromium, headless):
 * an operator signs in, confirms an unpaid wire transfer, validates its
 * delivery step by step, refunds a card order, changes the reminder delay
 * and the sales team, reads the API's refusal when an action is not allowed,
 * and finds the order's run in the Temporal UI by its search attributes.
 * Screenshots of the main pages go to test/artifacts/ (not committed).
 * Before any browser: the console's ES modules are served as JavaScript, and
 * nothing outside its assets directory is.
 */
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deliveryIdOf } from '../domain/delivery.js';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { OPERATOR, startApi, type ApiHarness } from './support/api.js';
import { ARTIFACTS, browserTestsRun, launchBrowser } from './support/browser.js';
import { eventually } from './support/eventually.js';
import { withSettings } from './support/settings.js';

let api: ApiHarness;
let browser: Browser;

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `console-${name}.png`), fullPage: true });

async function unpaidOrder(email: string, paymentMethod: 'wire_transfer' | 'card', quantity = 2) {
  const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity }] });
  const id = cart.body.id as string;
  await api.storefront('PUT', `/api/carts/${id}/contact`, {
    email,
    name: 'Alex Martin',
    shippingAddress: { line1: '3 quai Saint-Vincent', city: 'Lyon', postalCode: '69001', country: 'FR' },
  });
  const checkout = await api.storefront('POST', `/api/carts/${id}/checkout`, { paymentMethod });
  return { id, number: checkout.body.order.number as string, payment: checkout.body.payment as { reference: string; amount: number } };
}

async function signIn(page: Page, next = '/console/orders') {
  await page.goto(`${api.baseUrl}${next}`);
  await page.getByLabel('Operator token').fill(OPERATOR);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('main h1').first().waitFor();
}

/** Clicks an action's button and waits for its success notice (the page is drawn again from the API first). */
async function act(page: Page, button: string | RegExp, notice: string | RegExp, scope: Page | ReturnType<Page['locator']> = page) {
  await scope.getByRole('button', { name: button }).click();
  await page.locator('#notice').getByText(notice).waitFor();
}

const ASSETS_DIR = fileURLToPath(new URL('../api/console/assets', import.meta.url));
/** The console's modules by their path under /console/assets/. */
const MODULES = readdirSync(ASSETS_DIR, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.js'))
  .map((file) => file.split(sep).join('/'))
  .sort();

/** A GET with the path exactly as written: fetch() would resolve `..` and `%2e%2e` before sending. */
function rawGet(path: string): Promise<{ status: number; type: string; body: string }> {
  const { hostname, port } = new URL(api.baseUrl);
  return new Promise((resolve, reject) => {
    request({ hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', body }));
    })
      .on('error', reject)
      .end();
  });
}

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api?.close();
});

describe("the console's modules, from its assets directory alone", () => {
  it('every module is served as JavaScript; the stylesheet as CSS', async () => {
    expect(MODULES).toEqual(expect.arrayContaining(['main.js', 'api.js', 'dom.js', 'pages/order.js', 'pages/settings.js']));
    for (const module of MODULES) {
      const response = await rawGet(`/console/assets/${module}`);
      expect([module, response.status, response.type]).toEqual([module, 200, 'text/javascript; charset=utf-8']);
      expect(response.body).toMatch(/^import |\nimport |\nexport /);
    }
    expect(await rawGet('/console/assets/console.css')).toMatchObject({ status: 200, type: 'text/css; charset=utf-8' });
  });

  it('the files served are the files `npm run typecheck` checks, as they are (checkJs, no build)', () => {
    const project = ts.getParsedCommandLineOfConfigFile(fileURLToPath(new URL('../tsconfig.json', import.meta.url)), {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    });
    expect(project?.options).toMatchObject({ allowJs: true, checkJs: true });
    expect(project?.fileNames).toEqual(expect.arrayContaining(MODULES.map((m) => join(ASSETS_DIR, m))));
  });

  it('no path leads out of the assets directory, and no other file in it is served', async () => {
    for (const path of [
      '/console/assets/../session.ts',
      '/console/assets/..%2fsession.ts',
      '/console/assets/%2e%2e/%2e%2e/routes/console.ts',
      '/console/assets/pages/../../api-types.ts',
      '/console/assets/pages/..%2f..%2fapi-types.ts',
      '/console/assets/..%5capi-types.ts',
      '/console/assets/%2fetc%2fpasswd',
      '/console/assets//etc/passwd',
      '/console/assets/main.ts',
      '/console/assets/pages',
      '/console/assets/',
    ]) {
      const response = await rawGet(path);
      expect([path, response.status]).toEqual([path, 404]);
      expect(response.body).not.toMatch(/import|root:/);
    }
  });
});

describe.runIf(browserTestsRun)('the back-office console, in Chromium', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
    await api.operator('PATCH', '/api/settings', { deliverySteps: 'pick_pack_ship' });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('the page loads its entry module, which imports every other module, under the CSP', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const loaded: string[] = [];
    page.on('response', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.endsWith('.js')) loaded.push(`${path} ${r.status()} ${r.headers()['content-type']}`);
    });
    await signIn(page, '/console/settings');
    await page.locator('main[data-ready="true"]').getByRole('heading', { name: 'Sales teams' }).waitFor();
    expect(loaded.sort()).toEqual(MODULES.map((m) => `/console/assets/${m} 200 text/javascript; charset=utf-8`));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sign in; an unpaid wire transfer confirmed, its delivery validated step by step, then done', async () => {
    const order = await unpaidOrder('wire.customer@example.com', 'wire_transfer');
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    // Not signed in: the console sends the operator to sign in, and a wrong token is refused there.
    await page.goto(`${api.baseUrl}/console/unpaid`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await page.getByLabel('Operator token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe('That is not the operator token.');
    await page.getByLabel('Operator token').fill(OPERATOR);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Unpaid orders' }).waitFor();

    // Find it by the customer's email.
    await page.getByLabel('Number, email or name').fill('wire.customer@');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('link', { name: order.number }).waitFor();
    await expect(page.locator('main tbody tr').count()).resolves.toBe(1);
    await shot(page, 'unpaid-orders');
    await page.getByRole('link', { name: order.number }).click();
    await page.getByRole('heading', { name: 'Actions' }).waitFor();
    await shot(page, 'order-quotation-sent');

    // A wire transfer's confirmation says the money arrived unless the operator unticks it.
    await expect(page.getByLabel('Wire transfer received').isChecked()).resolves.toBe(true);
    await act(page, 'Confirm the order', /is a sales order/);
    await expect(page.locator('main h1 .badge').textContent()).resolves.toBe('Sales order');

    // The warehouse's to-do list: pick, pack (the label), ship.
    await page.getByRole('link', { name: 'Deliveries' }).click();
    const card = page.getByRole('article', { name: `Delivery ${order.number}` });
    // The stock is reserved just after the confirmation: the page shows the delivery ready by itself (test/console-live.test.ts).
    await card.getByRole('button', { name: 'Validate pick' }).waitFor({ timeout: 20_000 });
    await shot(page, 'deliveries');
    await act(page, 'Validate pick', `${order.number}: pick validated`, card);
    await act(page, 'Validate pack', `${order.number}: pack validated`, card);
    const label = card.getByRole('link', { name: 'Shipping label (PDF)' });
    await label.waitFor();
    const pdf = await page.request.get(`${api.baseUrl}${await label.getAttribute('href')}`);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    await act(page, 'Validate ship', `${order.number}: ship validated`, card);
    // Done, it leaves the to-do list once its projection is written, without a reload.
    await card.waitFor({ state: 'detached', timeout: 20_000 });

    // The order's page tells the whole story.
    await page.goto(`${api.baseUrl}/console/orders/${order.id}`);
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    await page.locator('.facts').getByText('Done', { exact: true }).waitFor({ timeout: 20_000 });
    await expect(page.getByRole('article', { name: `Delivery ${order.number}` }).getByText('Ship: Done').count()).resolves.toBe(1);

    // Refused by the API (wire transfers are refunded by bank transfer): its message, and nothing changes.
    const refund = page.getByRole('form', { name: 'Refund' });
    await refund.getByRole('button', { name: 'Refund' }).click();
    const refusal = refund.getByRole('alert');
    await refusal.waitFor();
    const apiSays = await api.operator('POST', `/api/orders/${order.id}/refunds`, {});
    expect(apiSays.status).toBe(422);
    await expect(refusal.textContent()).resolves.toBe(apiSays.body.error.message);
    await shot(page, 'order-delivered-refund-refused');
    expect((await api.operator('GET', `/api/orders/${order.id}`)).body).toMatchObject({ state: 'sale', paymentState: 'paid', deliveryState: 'done', refunds: [] });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a card order by clicking: paid on the demo provider's page, delivered, refunded in part then in full; the lists follow", async () => {
    await withSettings(api, { deliverySteps: 'ship_only' }, async () => {
      const order = await unpaidOrder('card.customer@example.com', 'card', 3);
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      // A card checkout leaves a quotation until the customer went through payment: it is not in Unpaid orders yet.
      await signIn(page, `/console/orders/${order.id}`);
      await page.getByText('Waiting for the card payment').waitFor();
      await expect(page.getByRole('button', { name: /Confirm/ }).count()).resolves.toBe(0);

      // The customer's side: the provider's page, in a tab of its own.
      const [provider] = await Promise.all([page.context().waitForEvent('page'), page.getByRole('link', { name: "Open the demo provider's payment page ↗" }).click()]);
      await provider.getByRole('button', { name: 'Pay €38.70' }).click();
      await provider.getByRole('status').getByText('Payment accepted').waitFor();
      await shot(provider, 'demo-provider-paid');
      await provider.close();

      // The order's page, left open, follows the payment by itself.
      await page.getByRole('button', { name: 'Validate ship' }).waitFor({ timeout: 20_000 });
      await expect(page.locator('main h1 .badge').textContent()).resolves.toBe('Sales order');
      await act(page, 'Validate ship', `${order.number}: ship validated`);
      await page.getByRole('link', { name: 'Orders', exact: true }).click();
      await page.getByRole('link', { name: order.number }).waitFor();
      await shot(page, 'orders');
      await page.getByRole('link', { name: order.number }).click();

      const refund = page.getByRole('form', { name: 'Refund' });
      await refund.getByLabel(/Amount in EUR/).fill('5.00');
      await refund.getByLabel('Reason (optional)').fill('Scratched mug');
      await act(page, 'Refund', 'Refund of €5.00 started.', refund);
      await eventually(async () => expect((await api.operator('GET', `/api/orders/${order.id}`)).body.paymentState).toBe('partially_refunded'));
      await page.reload();
      await act(page, 'Refund', 'Refund of €33.70 started.', page.getByRole('form', { name: 'Refund' }));
      await eventually(async () => expect((await api.operator('GET', `/api/orders/${order.id}`)).body).toMatchObject({ paymentState: 'refunded', deliveryState: 'done' }));
      await page.reload();
      await page.getByRole('heading', { name: 'Refunds' }).waitFor();
      await expect(page.locator('section', { has: page.getByRole('heading', { name: 'Refunds' }) }).locator('tbody tr').count()).resolves.toBe(2);
      await expect(page.getByRole('form', { name: 'Refund' }).count()).resolves.toBe(0);
      await shot(page, 'order-refunded');

      // Each email names the document it carries and links its PDF: the confirmation the invoice, each refund email its credit note.
      await eventually(async () => expect((await api.operator('GET', `/api/emails?orderId=${order.id}`)).body.items.filter((e: { kind: string }) => e.kind === 'refund')).toHaveLength(2));
      const { invoice, creditNotes } = (await api.operator('GET', `/api/orders/${order.id}`)).body as { invoice: { id: string; number: string }; creditNotes: Array<{ id: string; number: string }> };
      await page.reload();
      const emails = page.getByRole('region', { name: 'Emails' });
      for (const document of [invoice, ...creditNotes]) {
        const link = emails.getByRole('link', { name: `${document.number.replaceAll('/', '-')}.pdf`, exact: true });
        await expect(link.getAttribute('href')).resolves.toBe(`/api/invoices/${encodeURIComponent(document.id)}/pdf`);
      }

      await page.goto(`${api.baseUrl}/console/orders?paymentState=refunded`);
      await page.getByRole('link', { name: order.number }).waitFor();
      await page.close();
    });
  });

  it("Returns: a delivered order's return received by clicking; the refund follows", async () => {
    const order = await withSettings(api, { deliverySteps: 'ship_only' }, async () => {
      const order = await unpaidOrder('returning.customer@example.com', 'card', 2);
      await api.webhook({ id: `evt_${order.id}`, type: 'payment.succeeded', data: { reference: order.payment.reference, amount: order.payment.amount, currency: 'EUR' } });
      await eventually(async () => expect((await api.operator('POST', `/api/deliveries/${deliveryIdOf(order.id)}/validate`, {})).status).toBe(200), 20_000);
      await eventually(async () => expect((await api.operator('POST', `/api/orders/${order.id}/returns`, { lines: [{ sku: 'MUG-BLUE', quantity: 1, reason: 'Too small' }] })).status).toBe(201));
      return order;
    });

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, '/console/returns');
    const row = page.locator('tbody tr', { has: page.getByRole('link', { name: order.number }) });
    await eventually(async () => {
      await page.reload();
      await row.getByRole('button', { name: 'Receive' }).waitFor({ timeout: 1000 });
    });
    await shot(page, 'returns');
    await act(page, 'Receive', `Return for ${order.number} received`, row);
    await eventually(async () => expect((await api.operator('GET', `/api/orders/${order.id}`)).body).toMatchObject({ paymentState: 'partially_refunded', returns: [{ state: 'refunded' }] }));
    await page.close();
  });

  it('Settings: the reminder delay changed is applied to open carts; the template previewed; a refused change shows why', async () => {
    await withSettings(api, null, async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await signIn(page, '/console/settings');
      const form = page.getByRole('form', { name: 'Abandoned-cart reminder' });
      await form.getByLabel('Subject').fill('{{customer_name}}, your cart at {{shop_name}}');
      await form.getByRole('button', { name: 'Preview' }).click();
      await form.getByText('Subject: Alex Martin, your cart at Demo Shop').waitFor();
      await shot(page, 'settings');

      // A delay the API refuses: its message, and the saved delay stays.
      await form.getByLabel(/^Delay/).fill('soon');
      await form.getByRole('button', { name: 'Save reminder' }).click();
      await expect(form.getByRole('alert').first().textContent()).resolves.toMatch(/delay/);
      expect((await api.operator('GET', '/api/settings')).body.abandonedCart.delay).toBe('10h');

      // A cart left with a contact, then the delay shortened: the open cart is reminded under the new delay.
      const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'TEE-M', quantity: 1 }], customer: { email: 'idle.customer@example.com', loggedIn: true } });
      await form.getByLabel(/^Delay/).fill('2s');
      await act(page, 'Save reminder', /Reminder saved/, form);
      expect((await api.operator('GET', '/api/settings')).body.abandonedCart).toMatchObject({ delay: '2s', subject: '{{customer_name}}, your cart at {{shop_name}}' });
      await eventually(async () => {
        const emails = (await api.operator('GET', `/api/emails?orderId=${cart.body.id}`)).body.items;
        expect(emails).toMatchObject([{ kind: 'abandoned_cart', to: 'idle.customer@example.com' }]);
      }, 20_000);
      await page.getByRole('link', { name: 'Abandoned carts' }).click();
      await page.getByRole('link', { name: cart.body.number }).waitFor();
      await page.locator('tbody tr', { has: page.getByRole('link', { name: cart.body.number }) }).getByText('idle.customer@example.com').waitFor();
      await shot(page, 'abandoned-carts');
      await page.close();
    });
  });

  it('Settings: a round-robin team created and chosen by clicking; new orders go to its salespeople in turn', async () => {
    await withSettings(api, null, async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await signIn(page, '/console/settings');
      const create = page.getByRole('form', { name: 'New sales team' });
      await create.getByLabel('Name').fill('Lyon shop');
      await create.getByLabel('Orders go to').selectOption('round_robin');
      await act(page, 'Create team', 'Team Lyon shop created.', create);
      const team = page.getByRole('article', { name: 'Team Lyon shop' });
      for (const name of ['Inès', 'Karim']) {
        const add = team.getByRole('form', { name: 'Add a salesperson to Lyon shop' });
        await add.getByLabel('Name').fill(name);
        await act(page, 'Add salesperson', `${name} joined Lyon shop.`, add);
      }
      const sales = page.getByRole('form', { name: 'Sales assignment' });
      await sales.getByLabel('Sales team of new orders').selectOption({ label: 'Lyon shop' });
      await act(page, 'Save sales assignment', /Sales assignment saved/, sales);
      const carts = [];
      for (let i = 0; i < 4; i++) carts.push((await api.storefront('POST', '/api/carts', {})).body);
      expect(carts.map((c) => [c.salesTeam, c.salesperson])).toEqual([
        ['Lyon shop', 'Inès'],
        ['Lyon shop', 'Karim'],
        ['Lyon shop', 'Inès'],
        ['Lyon shop', 'Karim'],
      ]);
      await shot(page, 'settings-sales-teams');
      await page.close();
    });
  });

  it.runIf(inject('temporalUiUrl'))('the Temporal UI finds the order by its search attributes, with its summary', async () => {
    const order = await unpaidOrder('temporal.ui@example.com', 'wire_transfer');
    const handle = api.temporal.client.workflow.getHandle(orderWorkflowId(order.id));
    const description = await handle.describe();
    // The start summary names the order as it began (a cart before its contact); the current details follow it.
    expect(await description.staticSummary()).toBe(`Quotation ${order.number} · €25.80`);
    const metadata = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toBe(
      [`**${order.number}** — Quotation sent`, 'Customer: temporal.ui@example.com · Total: €25.80', 'Payment: pending · Delivery: none', 'Sales team: Website'].join('\n'),
    );
    // Kept current: the operator's query finds it as a quotation sent, by customer email.
    await eventually(async () => {
      const found = [];
      for await (const run of api.temporal.client.workflow.list({ query: `CustomerEmail="temporal.ui@example.com" AND OrderState="sent"` })) found.push(run.workflowId);
      expect(found).toEqual([orderWorkflowId(order.id)]);
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${inject('temporalUiUrl')}/namespaces/default/workflows?query=${encodeURIComponent(`CustomerEmail="temporal.ui@example.com"`)}`);
    await page.getByText(orderWorkflowId(order.id)).first().waitFor({ timeout: 30_000 });
    await shot(page, 'temporal-ui-runs');
    await page.close();
  });
});
