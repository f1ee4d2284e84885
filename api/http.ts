/**
 * One declaration per route: its schemas validate the request, its role is
 * enforced, and the same declaration documents it in the OpenAPI registry.
 */
import { timingSafeEqual } from 'node:crypto';
import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { NextFunction, Request, Response, Router } from 'express';
import { z } from 'zod';
import { DomainError } from '../domain/errors.js';
import { cookieValue, SESSION_COOKIE, validCsrf, validSession } from './console/session.js';
import { ErrorBody } from './schemas.js';

export type Role = 'storefront' | 'operator';
export type Access = 'public' | 'signed' | Role;

export interface Tokens {
  storefront: string;
  operator: string;
}

/** Constant-time comparison of a secret (token, access token) with what was given. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The role a bearer token grants; the operator may do everything a storefront may. */
export function roleOf(header: string | undefined, tokens: Tokens): Role | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) return null;
  if (sameSecret(match[1]!, tokens.operator)) return 'operator';
  if (sameSecret(match[1]!, tokens.storefront)) return 'storefront';
  return null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * The console's session cookie stands for the operator token: on GET alone,
 * or with the session's CSRF token in X-CSRF-Token for anything that changes
 * state. A cookie without that header authorizes no change.
 */
export function consoleRole(req: Request, tokens: Tokens): Role | null {
  const session = cookieValue(req.headers.cookie, SESSION_COOKIE);
  if (!session || !validSession(tokens.operator, session)) return null;
  if (req.headers['sec-fetch-site'] === 'cross-site' || (!SAFE_METHODS.has(req.method) && !validCsrf(tokens.operator, session, req.get('x-csrf-token')))) {
    throw new DomainError('forbidden', "A change from the console needs its CSRF token (X-CSRF-Token) and a same-site request.");
  }
  return 'operator';
}

function authorize(access: Access, req: Request, tokens: Tokens): Role | null {
  if (access === 'public' || access === 'signed') return null;
  const header = req.headers.authorization;
  const role = header ? roleOf(header, tokens) : consoleRole(req, tokens);
  if (!role) {
    throw new DomainError('unauthorized', header ? 'The bearer token is not valid.' : 'Authorization: Bearer <token> is required.');
  }
  if (access === 'operator' && role !== 'operator') throw new DomainError('forbidden', 'This needs the operator token.');
  return role;
}

/** PostgreSQL text cannot hold NUL; no legitimate input carries one. */
function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes('\u0000') || containsNul(v));
  return false;
}

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.infer<T> {
  if (containsNul(value)) throw new DomainError('invalid_request', `Invalid ${where}: NUL characters are not allowed.`);
  if (!schema) return undefined as z.infer<T>;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: [where, ...i.path].join('.'), message: i.message }));
  throw new DomainError('invalid_request', `Invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
}

type Shape = z.ZodType | undefined;
type Infer<S extends Shape> = S extends z.ZodType ? z.infer<S> : undefined;

export interface RouteSpec<P extends Shape, Q extends Shape, B extends Shape> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI style: /api/carts/{id} */
  path: string;
  access: Access;
  summary: string;
  tags: string[];
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  handler: (input: {
    params: Infer<P>;
    query: Infer<Q>;
    body: Infer<B>;
    role: Role | null;
    req: Request;
    res: Response;
  }) => Promise<{ status?: number; body: unknown } | void>;
}

const ERROR_RESPONSES: Record<Access, number[]> = {
  public: [400],
  signed: [400],
  storefront: [400, 401, 403],
  operator: [400, 401, 403],
};

export class ApiBuilder {
  constructor(
    private readonly router: Router,
    readonly registry: OpenAPIRegistry,
    private readonly tokens: Tokens,
  ) {}

  route<P extends Shape = undefined, Q extends Shape = undefined, B extends Shape = undefined>(spec: RouteSpec<P, Q, B>): void {
    this.document(spec);
    const expressPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
    this.router[spec.method](expressPath, async (req: Request, res: Response, next: NextFunction) => {
      try {
        const role = authorize(spec.access, req, this.tokens);
        // JSON in and out: a body in any other form is not silently taken for an empty one.
        const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
        if (spec.body && hasBody && !req.is('application/json')) {
          throw new DomainError('invalid_request', 'Send the body as JSON, with Content-Type: application/json.');
        }
        const params = parse(spec.params, req.params, 'path') as Infer<P>;
        const query = parse(spec.query, req.query, 'query') as Infer<Q>;
        const body = parse(spec.body, req.body ?? (spec.body ? {} : undefined), 'body') as Infer<B>;
        const result = await spec.handler({ params, query, body, role, req, res });
        if (result && !res.headersSent) res.status(result.status ?? 200).json(result.body);
      } catch (error) {
        next(error);
      }
    });
  }

  private document(spec: RouteSpec<Shape, Shape, Shape>): void {
    const responses: RouteConfig['responses'] = {};
    for (const [status, r] of Object.entries(spec.responses)) {
      responses[Number(status)] = r.schema
        ? { description: r.description, content: { [r.contentType ?? 'application/json']: { schema: r.schema } } }
        : { description: r.description };
    }
    const errorStatuses = [...ERROR_RESPONSES[spec.access], 500];
    for (const status of errorStatuses) {
      responses[status] ??= { description: 'Error', content: { 'application/json': { schema: ErrorBody } } };
    }
    const request: RouteConfig['request'] = {};
    if (spec.params instanceof z.ZodObject) request.params = spec.params;
    if (spec.query instanceof z.ZodObject) request.query = spec.query;
    if (spec.body) request.body = { required: true, content: { 'application/json': { schema: spec.body } } };
    this.registry.registerPath({
      method: spec.method,
      path: spec.path,
      summary: spec.summary,
      tags: spec.tags,
      ...(spec.access === 'storefront' || spec.access === 'operator' ? { security: [{ bearer: [] }] } : {}),
      // Who may call it: public, signed (webhook signature), storefront (or operator), operator.
      'x-access': spec.access,
      request,
      responses,
    });
  }
}
