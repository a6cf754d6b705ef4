import type { ClusterNode, Overview } from '../api/types.js';
import { h, replace } from '../dom/h.js';
import { formatDuration, formatTime } from '../dom/format.js';
import { errorBox } from '../dom/notice.js';
import { refreshEvery, type PageContext } from './page-context.js';

const REFRESH_MS = 3_000;

function stat(label: string, value: string, name: string): HTMLElement {
  return h(
    'div',
    { class: 'stat', 'data-stat': name },
    h('div', { class: 'stat-value' }, value),
    h('div', { class: 'stat-label' }, label),
  );
}

function stats(overview: Overview): HTMLElement {
  const { tasks, latenessMs } = overview;
  return h(
    'div',
    { class: 'stats' },
    stat('tasks started / s', overview.startedPerSecond.toFixed(2), 'started-per-second'),
    stat('running', String(tasks.running), 'running'),
    stat('pending', String(tasks.pending), 'pending'),
    stat('due backlog', String(overview.backlog), 'backlog'),
    stat('completed, last hour', String(tasks.completedLastHour), 'completed'),
    stat('failed, last hour', String(tasks.failedLastHour), 'failed'),
    stat('start lateness p50', latenessMs ? formatDuration(latenessMs.p50) : '–', 'lateness-p50'),
    stat('start lateness p99', latenessMs ? formatDuration(latenessMs.p99) : '–', 'lateness-p99'),
  );
}

function nodeTable(nodes: ClusterNode[]): HTMLElement {
  if (nodes.length === 0) return h('p', { class: 'empty' }, 'No node has registered with this database.');
  return h(
    'table',
    { class: 'nodes' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['node', 'host / pid', 'alive', 'running tasks', 'clock offset', 'executors', 'started', 'last heartbeat'].map(
          (t) => h('th', {}, t),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      nodes.map((node) =>
        h(
          'tr',
          { 'data-node': node.id },
          h('td', {}, node.id),
          h('td', {}, `${node.host} / ${node.pid}`),
          h(
            'td',
            {},
            !node.alive
              ? h('span', { class: 'badge state-failed' }, '✗ down')
              : h('span', { class: 'badge state-completed' }, '✓ alive'),
          ),
          h('td', { 'data-running': node.running }, node.running),
          h('td', { class: Math.abs(node.clockOffsetMs) > 1_000 ? 'warn' : '' }, formatDuration(node.clockOffsetMs)),
          h('td', {}, node.executors.join(', ')),
          h('td', {}, formatTime(node.startedAt)),
          h('td', {}, formatTime(node.heartbeatAt)),
        ),
      ),
    ),
  );
}

/** The cluster overview: throughput, lateness, failures and backlog, and every node's load and clock offset, refreshed every 3 s. */
export function renderOverviewPage({ root, api, signal }: PageContext): void {
  const statsArea = h('section', { 'aria-label': 'cluster figures' }, h('p', { class: 'loading' }, 'Loading…'));
  const nodesArea = h('section', { 'aria-label': 'nodes' });
  const updated = h('p', { class: 'muted' });
  replace(root, h('h1', {}, 'Cluster overview'), updated, statsArea, h('h2', {}, 'Nodes'), nodesArea);
  refreshEvery(
    REFRESH_MS,
    signal,
    async () => {
      const [overview, nodes] = await Promise.all([api.overview(signal), api.nodes(signal)]);
      replace(statsArea, stats(overview));
      replace(nodesArea, nodeTable(nodes));
      replace(updated, `Refreshed every ${REFRESH_MS / 1000} s · last at ${formatTime(Date.now())}`);
    },
    (error) => replace(statsArea, errorBox(error)),
  );
}
