import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from '@sinclair/typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';

/**
 * A service's Fastify instance: route schemas are TypeBox, one source for validation and the handler's
 * types (`request.query` is typed from the schema that checks it).
 */
export type ServiceApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

/** The query string of a route that takes no parameter: any parameter at all is a 400. */
export const NoQuery = Type.Object({}, { additionalProperties: false });

/** A string that is one of `values`, as JSON Schema's `enum` (one clear validation message, unlike a union of literals). */
export function StringEnum<const T extends readonly string[]>(values: T) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
}

/**
 * A Fastify app whose validation refuses what it does not know. Fastify's Ajv removes unknown properties
 * by default, so `?dryrun=true` (a misspelling of `dryRun`) would be dropped and the call would apply:
 * with `removeAdditional: false`, `additionalProperties: false` is a 400 instead.
 */
export function createStrictFastify(logger: FastifyBaseLogger): ServiceApp {
  const app = Fastify({
    loggerInstance: logger,
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as ServiceApp;
  refuseUnknownInput(app);
  return app;
}

/** A request the service refuses before anything runs: answered 400 `{ error: "invalid request", message }`, as a failed validation. */
export class InvalidRequestError extends Error {
  readonly statusCode = 400;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}

const hasBody = (headers: IncomingHttpHeaders) =>
  headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');

type ObjectSchema = TSchema & { type?: unknown; additionalProperties?: unknown };

/**
 * For every route, the shared ones and any a plane adds later: a query string schema that refuses
 * unknown parameters (a route without one takes none), and a 400 for a request body sent to a route
 * that reads none (its schema declares no `body`), before anything runs. Both come after the route's
 * own onRequest hooks, so a caller without the service secret still learns nothing but 401.
 */
function refuseUnknownInput(app: ServiceApp): void {
  app.addHook('onRoute', (route) => {
    const schema = { ...route.schema };
    const query = schema.querystring as ObjectSchema | undefined;
    if (query === undefined) schema.querystring = NoQuery;
    else if (query.additionalProperties !== false) schema.querystring = { ...query, additionalProperties: false };
    route.schema = schema;
  });
  // Thrown, not sent: the error handler answers it, and nothing after this hook runs.
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (request.routeOptions.schema?.body !== undefined || !hasBody(request.headers)) return payload;
    throw new InvalidRequestError(
      `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]} takes no request body; its parameters go in the query string`,
    );
  });
}
