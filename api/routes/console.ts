/**
 * The back-office console: a few server-sent pages and a handful of ES
 * modules (../console/assets/, one per page, loaded by the browser as they
 * are) that read and act through the same JSON API as every other client.
 * Signing in with the operator token sets the session cookie the API accepts
 * (with its CSRF token for changes); see ../console/session.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response, type Router } from 'express';
import { escapeHtml } from '../../domain/email-templates.js';
import { getSettings } from '../../db/settings.js';
import type { AppDeps } from '../app.js';
import { csrfTokenOf, cookieValue, fromOwnPage, newSession, SESSION_COOKIE, SESSION_SECONDS, validCsrf, validSession } from '../console/session.js';
import { sameSecret } from '../http.js';

const ASSETS = join(dirname(fileURLToPath(import.meta.url)), '..', 'console', 'assets');
/** text/javascript is JavaScript's registered type (RFC 9239); module scripts are refused under any non-JavaScript type. */
const ASSET_TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/**
 * The assets served, by their path under /console/assets/: the scripts and
 * stylesheets found in the assets directory when the server starts, and
 * nothing else. A request names a key of this map or gets a 404, so no
 * `..`, encoded slash or other file can be reached.
 */
function assetFiles(dir: string, prefix = '', files = new Map<string, { file: string; type: string }>()) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const type = ASSET_TYPES[extname(entry.name)];
    // Plain files and directories only: a symbolic link could point outside.
    if (entry.isDirectory()) assetFiles(join(dir, entry.name), `${prefix}${entry.name}/`, files);
    else if (entry.isFile() && type) files.set(`${prefix}${entry.name}`, { file: join(dir, entry.name), type });
  }
  return files;
}

const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Sign-in attempts per client address and minute: the token is long, but guessing should still be slow. */
const SIGN_IN_ATTEMPTS_PER_MINUTE = 10;

const NAV = [
  ['/console/orders', 'Orders'],
  ['/console/unpaid', 'Unpaid orders'],
  ['/console/abandoned-carts', 'Abandoned carts'],
  ['/console/deliveries', 'Deliveries'],
  ['/console/returns', 'Returns'],
  ['/console/settings', 'Settings'],
] as const;

/** Only a path inside the console, so the sign-in form cannot be used to redirect elsewhere. */
function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/console(\/[\w\-/]*)?(\?[\w\-=&%.@+]*)?$/.test(value) ? value : '/console/orders';
}

export function consoleRoutes(router: Router, { config, gateway }: AppDeps): void {
  const operatorToken = config.tokens.operator;
  const secure = config.publicUrl.startsWith('https:');
  const sessionOf = (req: Request) => {
    const value = cookieValue(req.headers.cookie, SESSION_COOKIE);
    return value && validSession(operatorToken, value) ? value : null;
  };
  const page = (res: Response, status: number, title: string, body: string, head = '') => {
    res
      .status(status)
      .type('html')
      .set({ 'Content-Security-Policy': CONSOLE_CSP, 'Cache-Control': 'no-store', 'Referrer-Policy': 'same-origin' })
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
          `<title>${escapeHtml(title)}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/console/assets/console.css">${head}</head><body>${body}</body></html>`,
      );
  };
  const sameOrigin = (req: Request) => fromOwnPage(req, config.publicUrl);

  const assets = assetFiles(ASSETS);
  router.get('/console/assets/*path', (req, res) => {
    const asset = assets.get((req.params as { path: string[] }).path.join('/'));
    if (!asset) {
      res.status(404).json({ error: { code: 'not_found', message: 'No such asset.' } });
      return;
    }
    // Read on each request (no-cache): an edited module shows on the next reload, without a build.
    res.type(asset.type).set('Cache-Control', 'no-cache').send(readFileSync(asset.file));
  });

  const signInForm = (res: Response, status: number, next: string, error?: string) =>
    page(
      res,
      status,
      'Sign in · Console',
      `<main class="sign-in"><h1>Back-office console</h1>
<form method="post" action="/console/sign-in">
<p><label for="token">Operator token</label><input id="token" name="token" type="password" autocomplete="current-password" required maxlength="500"${error ? ' aria-describedby="sign-in-error" aria-invalid="true"' : ''}></p>
${error ? `<p id="sign-in-error" class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<input type="hidden" name="next" value="${escapeHtml(next)}">
<p><button type="submit">Sign in</button></p>
<p class="hint">The value of <code>OPERATOR_API_TOKEN</code> (<code>dev-operator-token</code> in development).</p>
</form></main>`,
    );

  router.get('/console/sign-in', (req, res) => {
    const next = safeNext(req.query.next);
    if (sessionOf(req)) {
      res.redirect(303, next);
      return;
    }
    signInForm(res, 200, next);
  });

  const attempts = new Map<string, { start: number; count: number }>();
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });
  router.post('/console/sign-in', form, (req, res) => {
    const next = safeNext(req.body?.next);
    if (!sameOrigin(req)) {
      signInForm(res.set('Vary', 'Origin'), 403, next, 'Sign in from the console page itself.');
      return;
    }
    const key = req.ip ?? 'unknown';
    const now = Date.now();
    const window = attempts.get(key);
    const current = window && now - window.start < 60_000 ? window : { start: now, count: 0 };
    current.count += 1;
    attempts.set(key, current);
    if (attempts.size > 10_000) attempts.clear();
    if (current.count > SIGN_IN_ATTEMPTS_PER_MINUTE) {
      res.set('Retry-After', String(Math.ceil((current.start + 60_000 - now) / 1000)));
      signInForm(res, 429, next, 'Too many attempts from this address: wait a minute.');
      return;
    }
    const token = typeof req.body?.token === 'string' ? req.body.token.trim() : '';
    if (!sameSecret(token, operatorToken)) {
      signInForm(res, 401, next, 'That is not the operator token.');
      return;
    }
    attempts.delete(key);
    const session = newSession(operatorToken);
    res.cookie(SESSION_COOKIE, session, { httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: SESSION_SECONDS * 1000 });
    res.redirect(303, next);
  });

  router.post('/console/sign-out', form, (req, res) => {
    const session = sessionOf(req);
    if (session && (!sameOrigin(req) || !validCsrf(operatorToken, session, req.body?.csrf))) {
      res.status(403).json({ error: { code: 'forbidden', message: 'Sign out from the console page itself.' } });
      return;
    }
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure, path: '/' });
    res.redirect(303, '/console/sign-in');
  });

  const shell = async (req: Request, res: Response) => {
    const session = sessionOf(req);
    if (!session) {
      res.redirect(303, `/console/sign-in?next=${encodeURIComponent(safeNext(req.originalUrl))}`);
      return;
    }
    const settings = await getSettings(gateway.db);
    const csrf = csrfTokenOf(operatorToken, session);
    const temporal = `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}`;
    const nav = NAV.map(([href, label]) => `<li><a href="${href}">${label}</a></li>`).join('');
    page(
      res,
      200,
      `Console · ${settings.shopName}`,
      `<a class="skip" href="#main">Skip to content</a>
<header><p class="brand">${escapeHtml(settings.shopName)} · back office</p>
<nav aria-label="Console"><ul>${nav}<li><a href="${escapeHtml(temporal)}/workflows" rel="noreferrer" target="_blank">Temporal UI ↗</a></li></ul></nav>
<form method="post" action="/console/sign-out" class="sign-out"><input type="hidden" name="csrf" value="${csrf}"><button type="submit">Sign out</button></form></header>
<div id="notice" role="status" aria-live="polite"></div>
<div id="live" role="status" aria-live="polite" hidden></div>
<main id="main" tabindex="-1"><p>Loading…</p></main>`,
      `<meta name="csrf-token" content="${csrf}"><meta name="temporal-ui" content="${escapeHtml(temporal)}"><meta name="currency" content="${escapeHtml(settings.currency)}"><script type="module" src="/console/assets/main.js"></script>`,
    );
  };
  router.get('/console', (_req, res) => res.redirect(303, '/console/orders'));
  router.get(/^\/console\/(orders|unpaid|abandoned-carts|deliveries|returns|settings)(\/[\w-]+)?\/?$/, (req, res, next) => {
    shell(req, res).catch(next);
  });
}
