import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../src/fleet/page-html.js';
import { issueSession, SESSION_TTL_SECONDS, sessionValid } from '../src/fleet/session.js';

/** The fleet page's session value: an HMAC keyed by the secret over an expiry and a nonce, checked anywhere the secret is known. */
const SECRET = 'fleet-session-secret-19ac';
const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('fleet page session', () => {
  it('is valid for its lifetime with the secret that issued it, from any process (nothing is kept in memory), and never contains the secret', () => {
    const value = issueSession(SECRET, NOW);
    expect(value).not.toContain(SECRET);
    expect(value).toMatch(/^v1\.\d+\.[\w-]{22}\.[\w-]{43}$/);
    expect(sessionValid(SECRET, value, NOW)).toBe(true);
    expect(sessionValid(SECRET, value, NOW + (SESSION_TTL_SECONDS - 1) * 1000)).toBe(true);
    expect(issueSession(SECRET, NOW)).not.toBe(value);
  });

  it('is refused once expired, after the secret rotates, or when any part is changed', () => {
    const value = issueSession(SECRET, NOW);
    expect(sessionValid(SECRET, value, NOW + SESSION_TTL_SECONDS * 1000)).toBe(false);
    expect(sessionValid(`${SECRET}-rotated`, value, NOW)).toBe(false);
    const [version, expires, nonce, mac] = value.split('.') as [string, string, string, string];
    // A later expiry, another nonce, a flipped MAC character, a missing or extra part: all refused.
    expect(sessionValid(SECRET, [version, String(Number(expires) + 60), nonce, mac].join('.'), NOW)).toBe(false);
    expect(sessionValid(SECRET, [version, expires, `${nonce.slice(1)}A`, mac].join('.'), NOW)).toBe(false);
    expect(sessionValid(SECRET, [version, expires, nonce, `${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`].join('.'), NOW)).toBe(false);
    expect(sessionValid(SECRET, [version, expires, nonce].join('.'), NOW)).toBe(false);
    expect(sessionValid(SECRET, `${value}.x`, NOW)).toBe(false);
    expect(sessionValid(SECRET, SECRET, NOW)).toBe(false);
    expect(sessionValid(SECRET, '', NOW)).toBe(false);
  });
});

describe('fleet page escaping', () => {
  it('escapes every character that could open markup or leave an attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&amp;</a>`)).toBe('&#60;a href=&#34;x&#34; onclick=&#39;y&#39;&#62;&#38;amp;&#60;/a&#62;');
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(2001)).toBe('2001');
  });
});
