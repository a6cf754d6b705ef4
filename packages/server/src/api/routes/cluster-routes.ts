import { NODE, OVERVIEW } from '../schemas/model.js';
import { strictObject } from '../schemas/json-schema.js';
import { nodeJson, overviewJson } from '../http/to-json.js';
import { roleOf } from '../auth/request-role.js';
import type { ApiRoute } from './api-route.js';

/** Who am I, the overview and the nodes. */
export const CLUSTER_ROUTES: ApiRoute[] = [
  {
    method: 'GET',
    url: '/whoami',
    role: 'read',
    summary: "The role of the request's token",
    tag: 'cluster',
    schemas: { response: strictObject({ role: { type: 'string', enum: ['read', 'operate', 'admin'] } }) },
    handle: async (request) => ({ role: roleOf(request) }),
  },
  {
    method: 'GET',
    url: '/overview',
    role: 'read',
    summary: 'The cluster at a glance: nodes, task counts, backlog, start lateness, starts per second',
    tag: 'cluster',
    schemas: { response: OVERVIEW },
    handle: async (_request, _reply, { client }) => overviewJson(await client.overview()),
  },
  {
    method: 'GET',
    url: '/nodes',
    role: 'read',
    summary: 'Registered nodes: executors offered, clock offset, tasks running, alive',
    tag: 'cluster',
    schemas: { response: strictObject({ items: { type: 'array', items: NODE } }) },
    handle: async (_request, _reply, { client }) => ({ items: (await client.overview()).nodes.map(nodeJson) }),
  },
];
