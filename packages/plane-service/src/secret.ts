import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SECRET_HEADER = 'x-service-secret';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Constant time in the secret's content and length: SHA-256 digests are always 32 bytes. */
export function secretMatches(expected: string, given: string): boolean {
  return timingSafeEqual(digest(expected), digest(given));
}

/**
 * An onRequest hook for the internal endpoints (it runs before validation, so strangers learn nothing).
 * With no secret configured every call is refused (403): a missing secret never matches. A missing or wrong header is a 401. Either way nothing runs.
 */
export function requireServiceSecret(secret: string | null) {
  return async function checkServiceSecret(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (secret === null) {
      await reply.code(403).send({ error: 'INTERNAL_SERVICE_SECRET is not configured on this service; internal endpoints are disabled' });
      return;
    }
    const given = request.headers[SECRET_HEADER];
    if (typeof given !== 'string' || !secretMatches(secret, given)) {
      await reply.code(401).send({ error: `missing or invalid ${SECRET_HEADER} header` });
    }
  };
}
