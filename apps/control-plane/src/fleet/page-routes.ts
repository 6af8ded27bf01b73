import { randomBytes } from 'node:crypto';
import { FLEET_SCHEMA_VERSION, FleetError, type Fleet, type RunSummary, type TenantItem } from '@atlasai/fleet';
import { secretMatches, Type, type ServiceApp } from '@atlasai/plane-service';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { refusalOf, refusalOfError, type FleetAccess } from './access.js';
import { renderFleetPage, renderLoginPage, renderNoticePage } from './page-html.js';
import { clearedSessionCookie, issueSession, pageAccess, sessionCookie } from './session.js';

const PageQuery = Type.Object({ run: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }, { additionalProperties: false });
const LoginBody = Type.Object({ secret: Type.String({ maxLength: 1024 }) }, { additionalProperties: false });
const FAILED = new Set(['failed', 'timed_out', 'unreachable']);
const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

export interface FleetPageData {
  readonly schemaVersion: number;
  readonly live: boolean;
  readonly status: Awaited<ReturnType<Fleet['status']>>;
  readonly run: RunSummary | null;
  readonly attention: TenantItem[];
}

const failures = (run: RunSummary) => [...FAILED].reduce((n, state) => n + (run.counts[state as keyof RunSummary['counts']] ?? 0), 0);

/**
 * The page's model: the run asked for, else the newest open run, else the last one. When that run has
 * failed items they are listed first, with their wave and attempts (the per-tenant status has neither); the
 * run's items are read only then, so a healthy fleet of thousands costs one status read.
 */
async function pageData(fleet: Fleet, runId: string | undefined): Promise<FleetPageData> {
  const status = await fleet.status();
  let run: RunSummary | null = status.liveRuns[0] ?? status.lastRun;
  let attention = status.attention;
  if (runId !== undefined || (run !== null && failures(run) > 0)) {
    const id = runId ?? run!.id;
    const detail = await fleet.getRun(id);
    if (detail === null) throw new FleetError('FLEET_RUN_NOT_FOUND', `no fleet run ${id}`);
    const { items, ...summary } = detail;
    run = summary;
    const failed = items.filter((i) => FAILED.has(i.state));
    const seen = new Set(failed.map((i) => i.tenantId));
    attention = [...failed, ...status.attention.filter((i) => !seen.has(i.tenantId))];
  }
  // A halted or paused run is open too: someone may resume or retry it, and the page should show that.
  const live = status.liveRuns.length > 0 || (run !== null && !FINAL.has(run.state));
  return { schemaVersion: FLEET_SCHEMA_VERSION, live, status, run, attention };
}

/** Headers of every HTML answer: no caching of fleet data, no framing (clickjacking), scripts only with this answer's nonce. */
function htmlHeaders(reply: FastifyReply, nonce?: string): FastifyReply {
  const script = nonce ? `'nonce-${nonce}'` : "'none'";
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header(
      'content-security-policy',
      `default-src 'none'; script-src ${script}; style-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    );
}

/** Refuses a page request without access; true when it answered. */
function refusedPage(secret: string | null, request: FastifyRequest, reply: FastifyReply, json: boolean): FastifyReply | null {
  const access = pageAccess(secret, request);
  if (access === 'allowed') return null;
  if (access === 'no-secret') {
    const message = 'INTERNAL_SERVICE_SECRET is not configured on this service; the fleet page is disabled';
    return json ? reply.code(403).send({ error: message }) : htmlHeaders(reply.code(403)).send(renderNoticePage('Disabled', message));
  }
  if (json) return reply.code(401).send({ error: 'sign in at /fleet or send the x-service-secret header' });
  return htmlHeaders(reply.code(401)).send(renderLoginPage());
}

/**
 * `GET /fleet` (the page), `GET /fleet/data` (its JSON), `POST /fleet/login` and `POST /fleet/logout`. The
 * page and its data take the session cookie or the service-secret header; nothing here changes a run.
 */
export function fleetPageRoutes(app: ServiceApp, secret: string | null, access: () => FleetAccess): void {
  app.register(async (scope: ServiceApp) => {
    // The login form posts urlencoded; only this scope parses it, so the API's routes never accept a form.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    scope.get('/fleet', { schema: { querystring: PageQuery } }, async (request, reply) => {
      const refused = refusedPage(secret, request, reply, false);
      if (refused) return refused;
      const unusable = refusalOf(access());
      if (unusable)
        return htmlHeaders(reply.code(unusable.status)).send(
          renderNoticePage(unusable.status === 409 ? 'PostgreSQL required' : 'Unavailable', unusable.body.error),
        );
      const fleet = (access() as Extract<FleetAccess, { kind: 'open' }>).fleet;
      let data: FleetPageData;
      try {
        data = await pageData(fleet, request.query.run);
      } catch (error) {
        const refusal = refusalOfError(error);
        return htmlHeaders(reply.code(refusal.status)).send(renderNoticePage('Not found', refusal.body.error));
      }
      const nonce = randomBytes(16).toString('base64');
      return htmlHeaders(reply, nonce).send(renderFleetPage({ ...data, nonce }));
    });

    scope.get('/fleet/data', { schema: { querystring: PageQuery } }, async (request, reply) => {
      const refused = refusedPage(secret, request, reply, true);
      if (refused) return refused;
      const unusable = refusalOf(access());
      if (unusable) return reply.code(unusable.status).send(unusable.body);
      try {
        const data = await pageData((access() as Extract<FleetAccess, { kind: 'open' }>).fleet, request.query.run);
        return reply.header('cache-control', 'no-store').send(data);
      } catch (error) {
        const refusal = refusalOfError(error);
        return reply.code(refusal.status).send(refusal.body);
      }
    });

    scope.post('/fleet/login', { schema: { body: LoginBody } }, async (request, reply) => {
      if (secret === null) {
        return htmlHeaders(reply.code(403)).send(
          renderNoticePage('Disabled', 'INTERNAL_SERVICE_SECRET is not configured on this service; the fleet page is disabled'),
        );
      }
      if (!secretMatches(secret, request.body.secret)) {
        request.log.warn({ ip: request.ip }, 'fleet page: sign-in refused (wrong secret)');
        return htmlHeaders(reply.code(401)).send(renderLoginPage('That is not this service’s secret.'));
      }
      request.log.info({ ip: request.ip }, 'fleet page: signed in');
      return reply
        .code(303)
        .header('set-cookie', sessionCookie(request, issueSession(secret)))
        .header('cache-control', 'no-store')
        .redirect('/fleet', 303);
    });

    scope.post('/fleet/logout', async (request, reply) => reply.header('set-cookie', clearedSessionCookie(request)).redirect('/fleet', 303));
  });
}
