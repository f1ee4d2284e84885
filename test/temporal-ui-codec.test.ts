/**
 * An operator reads an order in the Temporal UI. A dev server of this file's
 * own runs the UI pointed at the API's codec server (`--ui-codec-endpoint`,
 * as `npm start` does); the order's history holds the customer's data
 * encrypted. What the UI sends (UI 2.54): POST <endpoint>/decode with
 * Content-Type and X-Namespace, after a CORS preflight; no Authorization
 * unless "Pass the user access token" (the UI's own sign-in token, HTTPS
 * endpoints only), and cookies only with "Include cross-origin credentials".
 * The codec accepts the console's session cookie from the configured UI
 * origin: an operator signed in to the console, with that UI setting on,
 * reads the input decrypted; without it the UI shows the ciphertext.
 */
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ENCRYPTED_ENCODING } from '../operations/payload-codec.js';
import { loadConfig } from '../config.js';
import { freePort, resolveTemporalCli, startDevServer, type DevServer } from '../scripts/temporal-server.js';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { OPERATOR, startApi, type ApiHarness } from './support/api.js';
import { ARTIFACTS, browserTestsRun, launchBrowser } from './support/browser.js';

const EMAIL = 'ottilie.encrypted@example.com';
const SCREENSHOT = join(ARTIFACTS, 'temporal-ui-decoded.png');

let server: DevServer;
let api: ApiHarness;
let browser: Browser;
let uiUrl: string;
let workflowId: string;
/** The order's input as the server stores it: the payload's data, base64. */
let storedInput: { encoding: string; data: string };

beforeAll(async () => {
  const [apiPort, uiPort, port] = [await freePort(), await freePort(), await freePort()];
  uiUrl = `http://127.0.0.1:${uiPort}`;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  // The CLI the suite uses; resolved here too, since the suite on a cluster (TEMPORAL_ADDRESS) provides none.
  const config = loadConfig();
  const cli = inject('temporalCli') || resolveTemporalCli({ cliPath: config.temporal.cliPath, searchPath: config.searchPath });
  server = await startDevServer({ cli, port, uiPort, uiCodecEndpoint: `${apiUrl}/codec` });
  api = await startApi({ port: apiPort, temporalAddress: server.address, env: { TEMPORAL_UI_URL: uiUrl, PUBLIC_URL: apiUrl } });
  const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 1 }], customer: { email: EMAIL } });
  expect(cart.status).toBe(201);
  workflowId = orderWorkflowId(cart.body.id);
  const history = await api.temporal.client.workflow.getHandle(workflowId).fetchHistory();
  const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
  storedInput = { encoding: Buffer.from(input.metadata!.encoding!).toString(), data: Buffer.from(input.data!).toString('base64') };
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
  await server?.stop();
});

/** A browser profile signed in to the console (its session cookie), recording what the codec answered. */
async function signedInOperator(): Promise<{ context: BrowserContext; page: Page; codecAnswers: number[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const codecAnswers: number[] = [];
  page.on('response', (r) => {
    if (r.request().method() === 'POST' && new URL(r.url()).pathname === '/codec/decode') codecAnswers.push(r.status());
  });
  await page.goto(`${api.baseUrl}/console/sign-in`);
  await page.getByLabel('Operator token').fill(OPERATOR);
  await page.getByRole('button', { name: /sign in/i }).click();
  await page.waitForURL(`${api.baseUrl}/console**`);
  expect((await context.cookies(api.baseUrl)).map((c) => c.name)).toContain('console_session');
  return { context, page, codecAnswers };
}

/**
 * As an operator does once per browser (the dev server's UI cannot be told at
 * start to send credentials): the UI's Codec Server settings, this browser's
 * endpoint with "Include cross-origin credentials".
 */
async function includeCredentials(page: Page): Promise<void> {
    await page.getByRole('button', { name: /codec/i }).first().click();
    await page.getByText('Use my browser setting and ignore Cluster-level setting.').click();
    await page.getByLabel('Codec Server browser endpoint').fill(`${api.baseUrl}/codec`);
    await page.getByText('Include cross-origin credentials').click();
    await page.getByRole('button', { name: 'Apply' }).click();
}

const workflowPage = () => `${uiUrl}/namespaces/default/workflows/${workflowId}`;

describe('what the server stores', () => {
  it("holds the order's input encrypted: no customer email in it", () => {
    expect(storedInput.encoding).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(storedInput.data, 'base64').toString('latin1')).not.toContain(EMAIL);
  });
});

describe.runIf(browserTestsRun)('the Temporal UI with the codec server', () => {
  it("shows the ciphertext while the UI does not send the operator's credentials (the cluster-level setting)", async () => {
    const { context, page, codecAnswers } = await signedInOperator();
    await page.goto(workflowPage());
    await page.locator('#content').getByText('Codec Server could not connect').waitFor({ timeout: 30_000 });
    // The UI shows the stored payload as it is: the ciphertext, and no email anywhere on the page.
    await page.getByText(storedInput.data.slice(0, 40)).first().waitFor();
    expect(await page.locator('body').innerText()).not.toContain(EMAIL);
    expect(codecAnswers.length).toBeGreaterThan(0);
    expect(new Set(codecAnswers)).toEqual(new Set([401]));
    await context.close();
  });

  it('shows the operator the decrypted input once the UI includes cross-origin credentials (the console session)', async () => {
    const { context, page, codecAnswers } = await signedInOperator();
    await page.goto(workflowPage());
    await includeCredentials(page);
    codecAnswers.length = 0;
    await page.reload();
    const email = page.getByText(`"${EMAIL}"`);
    await email.waitFor({ timeout: 30_000 });
    expect(await page.locator('body').innerText()).not.toContain(storedInput.data.slice(0, 40));
    expect(codecAnswers.length).toBeGreaterThan(0);
    expect(new Set(codecAnswers)).toEqual(new Set([200]));
    await email.scrollIntoViewIfNeeded();
    await page.screenshot({ path: SCREENSHOT });
    await context.close();
  });

  it('decrypts nothing for a browser that is not signed in, even with credentials included', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const codecAnswers: number[] = [];
    page.on('response', (r) => {
      if (r.request().method() === 'POST' && new URL(r.url()).pathname === '/codec/decode') codecAnswers.push(r.status());
    });
    await page.goto(workflowPage());
    await includeCredentials(page);
    codecAnswers.length = 0;
    await page.reload();
    await page.locator('#content').getByText('Codec Server could not connect').waitFor({ timeout: 30_000 });
    expect(await page.locator('body').innerText()).not.toContain(EMAIL);
    expect(codecAnswers.length).toBeGreaterThan(0);
    expect(new Set(codecAnswers)).toEqual(new Set([401]));
    await context.close();
  });
});
