import type { Task, TaskState } from '../api/types.js';
import { h } from '../dom/h.js';
import { formatTime } from '../dom/format.js';
import { stateSymbol } from '../dom/state-badge.js';

/** The states a fire time can show, in the legend's order. */
export const LEDGER_STATES: TaskState[] = [
  'completed',
  'failed',
  'skipped',
  'missed',
  'coalesced',
  'cancelled',
  'abandoned',
  'pending',
  'running',
];

/** The legend: each state's colour, symbol and name. */
export function ledgerLegend(): HTMLElement {
  return h(
    'ul',
    { class: 'legend', 'aria-label': 'legend' },
    LEDGER_STATES.map((state) =>
      h('li', {}, h('span', { class: `cell state-${state}`, 'aria-hidden': 'true' }, stateSymbol(state)), ` ${state}`),
    ),
  );
}

/**
 * The page's fire times as a timeline, oldest on the left: one cell per fire time, coloured by
 * its state and marked with the state's symbol, its fire time and state in its label.
 * Clicking a cell calls `open` with its task.
 */
export function ledgerTimeline(
  tasks: readonly Task[],
  selected: string | null,
  open: (task: Task) => void,
): HTMLElement {
  const oldestFirst = [...tasks].reverse();
  return h(
    'ol',
    { class: 'timeline', 'aria-label': 'fire times, oldest first' },
    oldestFirst.map((task) => {
      const label = `${formatTime(task.fireAt)}: ${task.state}${task.spanCount > 1 ? ` (${task.spanCount} fire times)` : ''}`;
      const cell = h(
        'button',
        {
          class: `cell state-${task.state}${task.id === selected ? ' selected' : ''}`,
          title: label,
          'aria-label': label,
          'data-occurrence': task.id,
          'data-state': task.state,
          onclick: () => open(task),
        },
        stateSymbol(task.state),
      );
      return h('li', {}, cell);
    }),
  );
}
