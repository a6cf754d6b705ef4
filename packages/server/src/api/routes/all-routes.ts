import type { ApiRoute } from './api-route.js';
import { CLUSTER_ROUTES } from './cluster-routes.js';
import { LOG_STREAM_ROUTE } from './log-stream-route.js';
import { SCHEDULE_ROUTES } from './schedule-routes.js';
import { TASK_ROUTES } from './task-routes.js';

/** Every route of the API (the OpenAPI document's own route aside), in the order the document lists them. */
export const API_ROUTES: readonly ApiRoute[] = [
  ...CLUSTER_ROUTES,
  ...SCHEDULE_ROUTES,
  ...TASK_ROUTES,
  LOG_STREAM_ROUTE,
];
