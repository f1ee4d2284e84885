/**
 * A fixed-window limit per client IP on the storefront's write routes, in this
 * API process. Behind a proxy, set TRUST_PROXY so the client's own address
 * (X-Forwarded-For) is counted rather than the proxy's.
 */
import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '../domain/errors.js';

export function storefrontWriteLimit(perMinute: number, now: () => number = Date.now) {
  const windows = new Map<string, { start: number; count: number }>();
  return (req: Request, res: Response, next: NextFunction) => {
    if (perMinute === 0 || req.method === 'GET' || !req.path.startsWith('/api/carts')) return next();
    const key = req.ip ?? 'unknown';
    const at = now();
    let window = windows.get(key);
    if (!window || at - window.start >= 60_000) {
      window = { start: at, count: 0 };
      windows.set(key, window);
      if (windows.size > 100_000) windows.clear(); // bounded memory under a flood of addresses
    }
    window.count += 1;
    if (window.count > perMinute) {
      const retryAfter = Math.ceil((window.start + 60_000 - at) / 1000);
      res.set('Retry-After', String(retryAfter));
      return next(new DomainError('rate_limited', `Too many cart changes from this address: try again in ${retryAfter} s.`, { retryAfter }));
    }
    next();
  };
}
