import type { RookeryClient, Timers } from '@rookery/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../auth/roles.js';
import type { JsonSchema } from '../schemas/json-schema.js';

/** What the routes use. */
export interface RouteDeps {
  /** The client every route calls. */
  client: RookeryClient;
  /** How often a log stream looks for new lines and for the task's end (ms). */
  logPollMs: number;
  /** Where the log stream sets its poll timers. */
  timers: Timers;
}

/** The schemas of one route: what it accepts and what it answers, by status. */
export interface RouteSchemas {
  /** Path parameters. */
  params?: JsonSchema;
  /** Query string. */
  querystring?: JsonSchema;
  /** JSON body. */
  body?: JsonSchema;
  /** The successful answer's body (absent for 204, and for a stream). */
  response?: JsonSchema;
}

/** One route of the API: the single description from which fastify routes and the OpenAPI document is built. */
export interface ApiRoute {
  /** HTTP method. */
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path under the API's prefix, fastify style (`/schedules/:idOrName`). */
  url: string;
  /** The weakest role allowed, or null for a route open to all. */
  role: Role | null;
  /** One line for people (the OpenAPI summary). */
  summary: string;
  /** The group it belongs to in the OpenAPI document. */
  tag: 'cluster' | 'schedules' | 'jobs' | 'tasks';
  /** Status of a successful answer. @defaultValue 200 */
  status?: number;
  /** The body may be left out (it then counts as `{}`). */
  optionalBody?: boolean;
  /** A `text/event-stream` answer rather than JSON. */
  stream?: boolean;
  /** Its schemas. */
  schemas: RouteSchemas;
  /**
   * Answers a request: the body of the successful answer (sent with `status`), or undefined
   * once the handler has answered itself (a stream, or a status it chose).
   */
  handle(request: FastifyRequest, reply: FastifyReply, deps: RouteDeps): Promise<unknown>;
}
