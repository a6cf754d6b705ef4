import { createRequire } from 'node:module';
import { systemTimers, ValidationError, type RookeryClient, type Timers } from '@rookery/core';
import type {
  FastifyError,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
} from 'fastify';
import { bearerToken, createTokenCheck } from './auth/token-check.js';
import { setRoleOf } from './auth/request-role.js';
import { roleAllows, type ApiToken, type Role } from './auth/roles.js';
import { ApiError, clientErrorAnswer } from './http/api-error.js';
import { createRequestValidatorCompiler, requestValidationError } from './http/request-validation.js';
import { buildOpenApiDocument } from './openapi.js';
import type { ApiRoute, RouteDeps } from './routes/api-route.js';
import { API_ROUTES } from './routes/all-routes.js';
import { NO_QUERY } from './schemas/inputs.js';

/** Options of the {@link rookeryApi} plugin. */
export interface RookeryApiOptions {
  /** The client the routes call. */
  client: RookeryClient;
  /** The bearer tokens and their roles. At least one, unless `insecureNoAuth`. */
  tokens?: readonly ApiToken[];
  /**
   * Serve every route to anyone, as `admin`, with no token. Only for a server on a loopback
   * address (`startApiServer` and `rookery serve` refuse any other).
   */
  insecureNoAuth?: boolean;
  /** How often a log stream looks for new lines (ms). @defaultValue 1000 */
  logPollMs?: number;
  /** Where the log streams set their timers. @defaultValue Node's own */
  timers?: Timers;
  /** Told of every error that is not the caller's fault (the request gets a 500); as `generalError`. */
  onError?: (error: Error) => void;
}

const PACKAGE_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Answers an error: a typed 4xx for the caller's faults, else a 500 that is reported. */
function answerError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
  onError: (e: Error) => void,
): FastifyReply {
  if (error.validation) {
    const e = requestValidationError(error.validation, error.validationContext ?? 'request');
    return reply.code(e.status).send(e.body);
  }
  const known = clientErrorAnswer(error);
  if (known) return reply.code(known.status).send(known.body);
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // fastify's own refusals: unparsable JSON, an unsupported content type, a body too large
    return reply.code(status).send({ error: { code: 'validation', message: `body: ${error.message}`, field: 'body' } });
  }
  onError(toError(error));
  request.log.error({ err: error }, 'request failed');
  return reply.code(500).send({ error: { code: 'internal', message: 'internal error; the server reported it' } });
}

/** The onRequest hook that lets a request through only with a token of `role` or a stronger one. */
function authorize(
  role: Role,
  options: RookeryApiOptions,
  check: ReturnType<typeof createTokenCheck>,
): onRequestHookHandler {
  return (request, reply, done) => {
    if (options.insecureNoAuth) {
      setRoleOf(request, 'admin');
      return done();
    }
    const token = bearerToken(request.headers.authorization);
    const held = token === null ? null : check(token);
    if (held === null) {
      const e = new ApiError(401, {
        code: 'unauthorized',
        message: token === null ? 'send a token: Authorization: Bearer <token>' : 'the token is not known',
      });
      void reply.code(e.status).header('www-authenticate', 'Bearer').send(e.body);
      return;
    }
    if (!roleAllows(held, role)) {
      const e = new ApiError(403, {
        code: 'forbidden',
        message: `this needs the ${role} role; the token has ${held}`,
        required: role,
      });
      void reply.code(e.status).send(e.body);
      return;
    }
    setRoleOf(request, held);
    done();
  };
}

function register(
  app: FastifyInstance,
  route: ApiRoute,
  deps: RouteDeps,
  guard: onRequestHookHandler | undefined,
  onError: (e: Error) => void,
): void {
  app.route({
    method: route.method,
    url: route.url,
    schema: {
      ...(route.schemas.params ? { params: route.schemas.params } : {}),
      querystring: route.schemas.querystring ?? NO_QUERY,
      ...(route.schemas.body ? { body: route.schemas.body } : {}),
    },
    ...(guard ? { onRequest: guard } : {}),
    ...(route.optionalBody
      ? {
          preValidation: async (request: FastifyRequest) => {
            request.body ??= {};
          },
        }
      : {}),
    handler: async (request, reply) => {
      try {
        const body = await route.handle(request, reply, deps);
        if (body === undefined) return reply;
        if (route.status === 204) return reply.code(204).send();
        return reply.code(route.status ?? 200).send(body);
      } catch (error) {
        // a stream that had begun cannot answer anymore: report what failed it
        if (reply.sent || reply.raw.headersSent) {
          if (!clientErrorAnswer(error)) onError(toError(error));
          return reply;
        }
        throw error;
      }
    },
  });
}

/**
 * The Rookery HTTP API as a fastify plugin: mount it in your own fastify app under the prefix
 * of your choice (`app.register(rookeryApi, { prefix: '/api/v1', client, tokens })`). Every
 * route checks the bearer token's role, validates its input against the schemas of
 * `src/api/schemas/` (a 400 naming the field), calls the client, and maps its errors (404, 409,
 * 400); `GET <prefix>/openapi.json` serves the OpenAPI document built from the same schemas.
 * Throws a ValidationError on `tokens` when no token is given and `insecureNoAuth` is not set.
 */
export const rookeryApi: FastifyPluginAsync<RookeryApiOptions> = async (app, options) => {
  const tokens = options.tokens ?? [];
  if (tokens.length === 0 && !options.insecureNoAuth) {
    throw new ValidationError('tokens', 'give at least one ROLE:TOKEN, or insecureNoAuth on a loopback address');
  }
  const check = createTokenCheck(tokens);
  const onError = options.onError ?? (() => undefined);
  const deps: RouteDeps = {
    client: options.client,
    logPollMs: options.logPollMs ?? 1000,
    timers: options.timers ?? systemTimers,
  };
  app.setValidatorCompiler(await createRequestValidatorCompiler());
  // A POST with `content-type: application/json` and no body (a button's fetch) is a request
  // without a body, not a 400.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, undefined) : json(request, String(body), done),
  );
  app.setErrorHandler((error: FastifyError, request, reply) => answerError(error, request, reply, onError));
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}` } }),
  );
  const document = buildOpenApiDocument(API_ROUTES, app.prefix, PACKAGE_VERSION);
  app.get('/openapi.json', async () => document);
  for (const route of API_ROUTES)
    register(app, route, deps, route.role === null ? undefined : authorize(route.role, options, check), onError);
};
