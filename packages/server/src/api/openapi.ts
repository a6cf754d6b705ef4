import type { ApiRoute } from './routes/api-route.js';
import { ERROR } from './schemas/model.js';
import type { JsonSchema } from './schemas/json-schema.js';

/** An OpenAPI 3.0 document, as plain data. */
export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

/** `/schedules/:idOrName` as OpenAPI writes it: `/schedules/{idOrName}`. */
export function openApiPath(prefix: string, url: string): string {
  return `${prefix}${url}`.replace(/:([A-Za-z]+)/g, '{$1}');
}

/**
 * A JSON Schema as OpenAPI 3.0 takes it: a list of types becomes `type` with `nullable`
 * (3.0 has no type lists), and a `{ type: 'null' }` alternative of `anyOf` likewise.
 */
export function toOpenApiSchema(schema: JsonSchema): Record<string, unknown> {
  const out: Record<string, unknown> = { ...schema };
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((t) => t !== 'null');
    if (types.length === 1) out['type'] = types[0];
    else {
      delete out['type'];
      out['anyOf'] = types.map((t) => ({ type: t }));
    }
    if (schema.type.includes('null')) out['nullable'] = true;
    if (schema.enum) out['enum'] = schema.enum;
  }
  if (schema.anyOf) {
    const rest = schema.anyOf.filter((s) => s.type !== 'null');
    const nullable = rest.length < schema.anyOf.length;
    if (nullable && rest.length === 1 && rest[0]) {
      delete out['anyOf'];
      Object.assign(out, toOpenApiSchema(rest[0]), { nullable: true });
      if (schema.description) out['description'] = schema.description;
    } else out['anyOf'] = rest.map(toOpenApiSchema);
  }
  if (schema.properties)
    out['properties'] = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, toOpenApiSchema(v)]));
  if (schema.items) out['items'] = toOpenApiSchema(schema.items);
  if (typeof schema.additionalProperties === 'object')
    out['additionalProperties'] = toOpenApiSchema(schema.additionalProperties);
  return out;
}

function parameters(route: ApiRoute): Record<string, unknown>[] {
  const list: Record<string, unknown>[] = [];
  for (const [where, schema] of [
    ['path', route.schemas.params],
    ['query', route.schemas.querystring],
  ] as const) {
    for (const [name, s] of Object.entries(schema?.properties ?? {})) {
      list.push({
        name,
        in: where,
        required: where === 'path' || (schema?.required ?? []).includes(name),
        schema: toOpenApiSchema(s),
        ...(s.description ? { description: s.description } : {}),
      });
    }
  }
  return list;
}

function errorAnswer(description: string): Record<string, unknown> {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
}

function responses(route: ApiRoute): Record<string, unknown> {
  const status = String(route.status ?? 200);
  const ok: Record<string, unknown> = route.stream
    ? {
        description:
          'server-sent events: `event: log` (data: a log line) per line, `event: end` (data: { state, next }) when the task is terminal',
        content: { 'text/event-stream': { schema: { type: 'string' } } },
      }
    : route.schemas.response
      ? { description: 'success', content: { 'application/json': { schema: toOpenApiSchema(route.schemas.response) } } }
      : { description: 'success, no body' };
  const out: Record<string, unknown> = { [status]: ok };
  if (route.url === '/jobs')
    out['200'] = { ...ok, description: 'a live task already held the key: that task, nothing written' };
  if (route.schemas.body || route.schemas.querystring || route.schemas.params)
    out['400'] = errorAnswer('bad request: error.field names the field');
  if (route.role !== null) {
    out['401'] = errorAnswer('no token, or an unknown one');
    out['403'] = errorAnswer("the token's role may not: error.required names the role needed");
  }
  if (route.schemas.params) out['404'] = errorAnswer('no such schedule or task');
  if (route.method !== 'GET' && route.schemas.params)
    out['409'] = errorAnswer(
      "conflict: the schedule's or task's state forbids it (error.field `state`), or a name or key is taken",
    );
  if (route.method === 'POST' && route.url === '/schedules') out['409'] = errorAnswer('the name is taken');
  return out;
}

/**
 * Builds the OpenAPI 3.0 document of `routes` served under `prefix`, from the same schemas
 * fastify validates requests with: one operation per route, its parameters, body, answers
 * (the success schema, and the error answers the route can give) and the role it needs.
 */
export function buildOpenApiDocument(routes: readonly ApiRoute[], prefix: string, version: string): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  paths[openApiPath(prefix, '/openapi.json')] = {
    get: {
      tags: ['cluster'],
      summary: 'This document',
      operationId: 'openapi',
      security: [],
      responses: {
        '200': {
          description: 'the OpenAPI 3 document',
          content: { 'application/json': { schema: { type: 'object' } } },
        },
      },
    },
  };
  for (const route of routes) {
    const path = openApiPath(prefix, route.url);
    const operation: Record<string, unknown> = {
      tags: [route.tag],
      summary: route.summary,
      operationId: `${route.method.toLowerCase()}${route.url.replace(/[/:]+([a-zA-Z])/g, (_m, c: string) => c.toUpperCase())}`,
      ...(route.role === null
        ? { security: [] }
        : { 'x-rookery-role': route.role, description: `Needs the \`${route.role}\` role or a stronger one.` }),
      parameters: parameters(route),
      ...(route.schemas.body
        ? {
            requestBody: {
              required: route.optionalBody !== true,
              content: { 'application/json': { schema: toOpenApiSchema(route.schemas.body) } },
            },
          }
        : {}),
      responses: responses(route),
    };
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Rookery HTTP API',
      version,
      description:
        'Operate a Rookery cluster: schedules and their occurrence ledgers, jobs, tasks and their logs, nodes. Roles: read < operate < admin.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'cluster', description: 'who am I, overview, nodes' },
      { name: 'schedules', description: 'schedules and their occurrence ledgers' },
      { name: 'jobs', description: 'tasks enqueued with no schedule' },
      { name: 'tasks', description: 'tasks, their transitions and logs' },
    ],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'a token given to the server with --token ROLE:TOKEN' },
      },
      schemas: { Error: toOpenApiSchema(ERROR) },
    },
    paths,
  };
}
