/**
 * The console's sign-in: a stateless session cookie signed with a key
 * derived from the operator token (rotating the token signs everyone out),
 * and a CSRF token bound to that session. The cookie is HttpOnly and
 * SameSite=Strict; unsafe requests must also carry the CSRF token in the
 * X-CSRF-Token header (or a form's `csrf` field), which another site can
 * neither read nor forge.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { sameSecret } from '../http.js';

export const SESSION_COOKIE = 'console_session';
export const SESSION_SECONDS = 12 * 60 * 60;

const keyOf = (operatorToken: string) => createHmac('sha256', operatorToken).update('console-session-v1').digest();
const mac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest('base64url');

export function newSession(operatorToken: string, now = Date.now()): string {
  const body = `${Math.floor(now / 1000) + SESSION_SECONDS}.${randomBytes(16).toString('base64url')}`;
  return `${body}.${mac(keyOf(operatorToken), body)}`;
}

/** A well-formed, correctly signed session that has not expired. */
export function validSession(operatorToken: string, value: string | undefined, now = Date.now()): boolean {
  const match = /^(\d{1,12})\.([\w-]{10,64})\.([\w-]{43})$/.exec(value ?? '');
  if (!match) return false;
  if (Number(match[1]) * 1000 <= now) return false;
  return sameSecret(match[3], mac(keyOf(operatorToken), `${match[1]}.${match[2]}`));
}

export function csrfTokenOf(operatorToken: string, session: string): string {
  return mac(keyOf(operatorToken), `csrf.${session}`);
}

export function validCsrf(operatorToken: string, session: string, given: string | undefined): boolean {
  return sameSecret(given, csrfTokenOf(operatorToken, session));
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/**
 * A form post from this site's own pages: browsers send Origin on POST (the
 * pages' Referrer-Policy keeps it) and Sec-Fetch-Site where they can.
 */
export function fromOwnPage(req: Request, publicUrl: string): boolean {
  const site = req.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.get('origin');
  if (!origin || origin === 'null') return site === 'same-origin' || (!origin && !site);
  return origin === `${req.protocol}://${req.get('host')}` || origin === new URL(publicUrl).origin;
}
