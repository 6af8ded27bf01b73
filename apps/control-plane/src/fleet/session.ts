import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SECRET_HEADER, secretMatches } from '@atlasai/plane-service';
import type { FastifyRequest } from 'fastify';

/**
 * The fleet page's session cookie. A browser cannot send the service-secret header, so the page's login
 * form takes the secret once and sets this cookie. Its value is never the secret: it is
 * `v1.<expiry>.<nonce>.<mac>`, the MAC an HMAC-SHA256 of the rest keyed by a key derived from the secret.
 * Stateless on purpose: any replica behind a load balancer that has the same secret accepts a cookie another
 * replica issued, a restart logs nobody out, and rotating the secret ends every session at once. The expiry
 * is inside the MAC, so a stolen cookie lapses on its own.
 */
export const SESSION_COOKIE = 'atlas_fleet_session';
/** The page and its data endpoint; the actions live under /api/fleet, where the browser never sends it. */
export const SESSION_PATH = '/fleet';
export const SESSION_TTL_SECONDS = 8 * 60 * 60;

const VERSION = 'v1';

// Domain separation: the cookie's key is not the secret itself, so no MAC here equals anything else keyed by it.
const keyOf = (secret: string) => createHmac('sha256', secret).update('atlas fleet page session v1').digest();
const macOf = (secret: string, payload: string) => createHmac('sha256', keyOf(secret)).update(payload).digest();

/** A fresh session value, valid for `SESSION_TTL_SECONDS` from `nowMs`. */
export function issueSession(secret: string, nowMs = Date.now()): string {
  const expires = Math.floor(nowMs / 1000) + SESSION_TTL_SECONDS;
  const payload = `${VERSION}.${expires}.${randomBytes(16).toString('base64url')}`;
  return `${payload}.${macOf(secret, payload).toString('base64url')}`;
}

/** True when `value` was issued with this secret and has not expired; the MAC is compared in constant time. */
export function sessionValid(secret: string, value: string, nowMs = Date.now()): boolean {
  const parts = value.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION || !/^\d{1,12}$/.test(parts[1]!)) return false;
  const expires = Number(parts[1]);
  const now = Math.floor(nowMs / 1000);
  // A MAC that verifies is one we issued, so the upper bound only guards against a clock that went back.
  if (expires <= now || expires > now + SESSION_TTL_SECONDS + 300) return false;
  const given = Buffer.from(parts[3]!, 'base64url');
  const expected = macOf(secret, parts.slice(0, 3).join('.'));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The named cookie of a request's Cookie header, or undefined. */
export function cookieValue(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** Secure only where the browser reached us over HTTPS (directly or through a TLS-terminating proxy): a Secure cookie on plain http is dropped. */
function secureFlag(request: FastifyRequest): string {
  const forwarded = request.headers['x-forwarded-proto'];
  const https = request.protocol === 'https' || (typeof forwarded === 'string' && forwarded.split(',')[0]!.trim() === 'https');
  return https ? '; Secure' : '';
}

export function sessionCookie(request: FastifyRequest, value: string): string {
  return `${SESSION_COOKIE}=${value}; Path=${SESSION_PATH}; Max-Age=${SESSION_TTL_SECONDS}; HttpOnly; SameSite=Strict${secureFlag(request)}`;
}

export function clearedSessionCookie(request: FastifyRequest): string {
  return `${SESSION_COOKIE}=; Path=${SESSION_PATH}; Max-Age=0; HttpOnly; SameSite=Strict${secureFlag(request)}`;
}

export type PageAccess = 'allowed' | 'no-secret' | 'denied';

/**
 * Who may read the page and its data: the service-secret header (for scripts) or a valid session cookie.
 * A header that is present but wrong is refused even with a valid cookie. With no secret configured
 * nothing is allowed, as on the other internal endpoints.
 */
export function pageAccess(secret: string | null, request: FastifyRequest): PageAccess {
  if (secret === null) return 'no-secret';
  const header = request.headers[SECRET_HEADER];
  if (header !== undefined) return typeof header === 'string' && secretMatches(secret, header) ? 'allowed' : 'denied';
  const cookie = cookieValue(request, SESSION_COOKIE);
  return cookie !== undefined && sessionValid(secret, cookie) ? 'allowed' : 'denied';
}
