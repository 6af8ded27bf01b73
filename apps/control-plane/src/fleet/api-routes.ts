import { FleetError, type RunSpec } from '@atlasai/fleet';
import { NoQuery, requireServiceSecret, StringEnum, Type, type ServiceApp } from '@atlasai/plane-service';
import { answer, type FleetAccess } from './access.js';

// Every route refuses what it does not know: the app's validator keeps additional properties, so
// `additionalProperties: false` answers 400 instead of dropping a misspelled parameter.
const RunParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const Strings = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 10_000 });

/** The body of POST /api/fleet/runs: a RunSpec, as `npm run migrate:fleet -- run` builds it. */
export const RunSpecBody = Type.Object(
  {
    mode: StringEnum(['apply', 'plan', 'scan'] as const),
    waves: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    failureBudget: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    filter: Type.Optional(
      Type.Object({ tags: Type.Optional(Strings), statuses: Type.Optional(Strings), ids: Type.Optional(Strings) }, { additionalProperties: false }),
    ),
    createdBy: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 20 }) }, { additionalProperties: false });
const RetryQuery = Type.Object({ failedOnly: Type.Boolean({ default: false }) }, { additionalProperties: false });

const ACTIONS = ['pause', 'resume', 'cancel'] as const;

/**
 * The fleet's API, behind the service-secret header only (never the page's cookie, so no other site can
 * start, stop or retry a run through a signed-in browser). On SQLite every route answers 409.
 */
export function fleetApiRoutes(app: ServiceApp, secret: string | null, access: () => FleetAccess): void {
  const onRequest = requireServiceSecret(secret);

  app.post('/api/fleet/runs', { onRequest, schema: { querystring: NoQuery, body: RunSpecBody } }, (request, reply) =>
    answer(access(), reply, (fleet) => fleet.createRun(request.body satisfies RunSpec), 201),
  );

  app.get('/api/fleet/runs', { onRequest, schema: { querystring: ListQuery } }, (request, reply) =>
    answer(access(), reply, async (fleet) => ({ runs: await fleet.listRuns(request.query.limit) })),
  );

  app.get('/api/fleet/runs/:id', { onRequest, schema: { params: RunParams, querystring: NoQuery } }, (request, reply) =>
    answer(access(), reply, async (fleet) => {
      const run = await fleet.getRun(request.params.id);
      if (run === null) throw new FleetError('FLEET_RUN_NOT_FOUND', `no fleet run ${request.params.id}`);
      return run;
    }),
  );

  for (const action of ACTIONS) {
    app.post(`/api/fleet/runs/:id/${action}`, { onRequest, schema: { params: RunParams, querystring: NoQuery } }, (request, reply) =>
      answer(access(), reply, (fleet) => fleet[action](request.params.id)),
    );
  }

  app.post('/api/fleet/runs/:id/retry', { onRequest, schema: { params: RunParams, querystring: RetryQuery } }, (request, reply) =>
    answer(access(), reply, (fleet) => fleet.retry(request.params.id, { failedOnly: request.query.failedOnly })),
  );

  app.get('/api/fleet/status', { onRequest, schema: { querystring: NoQuery } }, (_request, reply) => answer(access(), reply, (fleet) => fleet.status()));
}
