import type { Schedule } from '../api/types.js';
import { scheduleActions } from '../actions/schedule-actions.js';
import { h, replace } from '../dom/h.js';
import { describeTrigger, formatJson, formatTime } from '../dom/format.js';
import { describeError, errorBox } from '../dom/notice.js';
import { stateBadge } from '../dom/state-badge.js';
import { ledgerView } from '../ledger/ledger-view.js';
import { href } from '../router.js';
import type { PageContext } from './page-context.js';

function fields(schedule: Schedule, nextFireTimes: string[] | string): HTMLElement {
  const p = schedule.policies;
  const pair = (label: string, value: Node | string): HTMLElement[] => [h('dt', {}, label), h('dd', {}, value)];
  return h(
    'dl',
    { class: 'fields' },
    pair('state', stateBadge(schedule.state)),
    pair('executor', schedule.executor),
    pair('trigger', describeTrigger(schedule.trigger)),
    pair(
      'next fire times',
      typeof nextFireTimes === 'string'
        ? nextFireTimes
        : nextFireTimes.length === 0
          ? '–'
          : nextFireTimes.map(formatTime).join(', '),
    ),
    pair(
      'policies',
      `duplicate ${p.duplicate} · misfire ${p.misfire} · retry ${p.retry.kind} (${p.retry.maxAttempts} attempts)`,
    ),
    schedule.validation?.reason
      ? pair('rejected', `${schedule.validation.field ?? ''}: ${schedule.validation.reason}`)
      : false,
    pair('payload', h('code', {}, formatJson(schedule.payload))),
    pair('id', schedule.id),
  );
}

/** A schedule: its fields and next fire times, the actions the role may use, and its occurrence ledger. */
export async function renderSchedulePage({ root, api, role, offers, route, signal }: PageContext): Promise<void> {
  const idOrName = route.path[1] ?? '';
  const header = h('div', {});
  const reload = async (): Promise<Schedule | undefined> => {
    try {
      const schedule = await api.schedule(idOrName, signal);
      const live = schedule.state === 'active' || schedule.state === 'paused';
      // a preview that fails says why in its field; the rest of the page still shows
      const next = live
        ? await api
            .preview(schedule.id, 5, signal)
            .catch((error: unknown) => `could not be computed: ${describeError(error)}`)
        : [];
      replace(
        header,
        h('h1', {}, schedule.name, ' ', stateBadge(schedule.state)),
        scheduleActions(
          api,
          { role, offers },
          schedule,
          () => void reload(),
          () => {
            location.hash = href('schedules');
          },
        ),
        fields(schedule, next),
      );
      return schedule;
    } catch (error) {
      if (!signal.aborted) replace(header, h('h1', {}, idOrName), errorBox(error));
      return undefined;
    }
  };
  replace(
    root,
    h('p', { class: 'breadcrumb' }, h('a', { href: href('schedules') }, 'Schedules'), ' / ', idOrName),
    header,
  );
  const schedule = await reload();
  if (schedule)
    root.appendChild(
      ledgerView({
        api,
        access: { role, offers },
        scheduleId: schedule.id,
        scheduleName: schedule.name,
        openTaskId: route.query.get('task'),
        signal,
      }),
    );
}
