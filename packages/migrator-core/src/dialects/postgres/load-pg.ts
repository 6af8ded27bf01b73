import { createRequire } from 'node:module';

/**
 * Loads `pg` without loading Node's fetch implementation. pg 8.23 tells a Cloudflare Worker from Node by
 * `navigator.userAgent`, and where there is no `navigator` (Node 20; Node 21+ has one) it constructs a
 * `Response`: that first touch of the global loads undici, about half of pg's import time (≈ 40 ms here).
 * A Node-like `navigator` is defined for the synchronous require alone, so no other code can see it;
 * the `import pg from 'pg'` of the dialect modules then finds the module loaded. Where pg is already
 * loaded, or Node has a `navigator`, this only resolves the module.
 */
export function loadPg(): void {
  const require = createRequire(import.meta.url);
  if ('navigator' in globalThis) {
    require('pg');
    return;
  }
  Object.defineProperty(globalThis, 'navigator', { value: { userAgent: `Node.js/${process.versions.node}` }, configurable: true, writable: true });
  try {
    require('pg');
  } finally {
    delete (globalThis as { navigator?: unknown }).navigator;
  }
}
