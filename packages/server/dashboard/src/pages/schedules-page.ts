import type { Schedule, ScheduleState } from '../api/types.js';
import { h, replace } from '../dom/h.js';
import { describeTrigger, formatTime } from '../dom/format.js';
import { errorBox } from '../dom/notice.js';
import { stateBadge } from '../dom/state-badge.js';
import { href } from '../router.js';
import type { PageContext } from './page-context.js';
import { CursorPager } from './pager.js';

const STATES: ScheduleState[] = ['active', 'paused', 'retired', 'done', 'pending-validation', 'rejected'];
const PAGE_SIZE = 50;

function row(schedule: Schedule): HTMLElement {
  return h(
    'tr',
    { 'data-schedule': schedule.name },
    h('td', {}, h('a', { href: href('schedules', schedule.name) }, schedule.name)),
    h('td', {}, stateBadge(schedule.state)),
    h('td', {}, schedule.executor),
    h('td', {}, describeTrigger(schedule.trigger)),
    h('td', {}, formatTime(schedule.nextFireAt)),
  );
}

/** Schedules: a name search and state filters answered by the server, 50 a page. The filters live in the URL. */
export function renderSchedulesPage({ root, api, route, signal }: PageContext): void {
  let q = route.query.get('q') ?? '';
  const chosen = new Set(
    (route.query.get('state') ?? '').split(',').filter((s): s is ScheduleState => (STATES as string[]).includes(s)),
  );
  const pager = new CursorPager();
  const listArea = h('section', { 'aria-label': 'schedules' });
  let request: AbortController | undefined;

  const load = async (): Promise<void> => {
    request?.abort();
    request = new AbortController();
    const local = AbortSignal.any([signal, request.signal]);
    const state = [...chosen].join(',');
    history.replaceState(null, '', href('schedules', { q, state }));
    try {
      const page = await api.schedules({ q, state, limit: PAGE_SIZE, cursor: pager.cursor }, local);
      pager.loaded(page.nextCursor);
      replace(
        listArea,
        page.items.length === 0
          ? h('p', { class: 'empty' }, 'No schedule matches.')
          : h(
              'table',
              {},
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['name', 'state', 'executor', 'trigger', 'next fire time'].map((t) => h('th', {}, t)),
                ),
              ),
              h('tbody', {}, page.items.map(row)),
            ),
        pager.controls(() => void load()),
      );
    } catch (error) {
      if (!local.aborted) replace(listArea, errorBox(error));
    }
  };

  let typing: ReturnType<typeof setTimeout> | undefined;
  const search = h('input', {
    type: 'search',
    placeholder: 'name contains…',
    'aria-label': 'search schedules by name',
    value: q,
    oninput: (event) => {
      clearTimeout(typing);
      typing = setTimeout(() => {
        q = (event.target as HTMLInputElement).value.trim();
        pager.reset();
        void load();
      }, 250);
    },
  });
  const filters = STATES.map((state) =>
    h(
      'label',
      { class: 'filter' },
      h('input', {
        type: 'checkbox',
        name: 'state',
        value: state,
        checked: chosen.has(state),
        onchange: (event) => {
          if ((event.target as HTMLInputElement).checked) chosen.add(state);
          else chosen.delete(state);
          pager.reset();
          void load();
        },
      }),
      ` ${state}`,
    ),
  );
  replace(
    root,
    h('h1', {}, 'Schedules'),
    h('div', { class: 'toolbar' }, search, h('fieldset', { class: 'filters' }, h('legend', {}, 'state'), filters)),
    listArea,
  );
  void load();
}
