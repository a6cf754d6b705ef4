import type { ScheduleState, TaskState } from '../api/types.js';
import { h } from './h.js';

/** A symbol per state, so that no state is told by colour alone. */
const SYMBOL: Record<TaskState | ScheduleState, string> = {
  pending: '◷',
  running: '▶',
  completed: '✓',
  failed: '✗',
  skipped: '⤼',
  missed: '⌀',
  coalesced: '≡',
  cancelled: '⊘',
  abandoned: '☠',
  active: '●',
  paused: '❚❚',
  retired: '■',
  'pending-validation': '◷',
  rejected: '✗',
  done: '✓',
};

/** The symbol shown with a state. */
export function stateSymbol(state: TaskState | ScheduleState): string {
  return SYMBOL[state] ?? '?';
}

/** A badge with the state's colour, symbol and name. */
export function stateBadge(state: TaskState | ScheduleState): HTMLElement {
  return h(
    'span',
    { class: `badge state-${state}`, 'data-state': state },
    h('span', { 'aria-hidden': 'true' }, stateSymbol(state)),
    ' ',
    state,
  );
}
