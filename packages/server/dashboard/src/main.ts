import { ApiClient } from './api/api-client.js';
import { ApiError } from './api/api-error.js';
import { loadOffers, type Offers } from './api/capabilities.js';
import type { Role } from './api/types.js';
import { forgetToken, readToken, saveToken } from './auth/token-store.js';
import { h, replace } from './dom/h.js';
import { describeError, errorBox } from './dom/notice.js';
import { renderJobsPage } from './pages/jobs-page.js';
import { renderOverviewPage } from './pages/overview-page.js';
import type { PageRenderer } from './pages/page-context.js';
import { renderSchedulePage } from './pages/schedule-page.js';
import { renderSchedulesPage } from './pages/schedules-page.js';
import { renderSignInPage } from './pages/sign-in-page.js';
import { renderTaskPage } from './pages/task-page.js';
import { href, parseRoute, type Route } from './router.js';

/** The page a route shows, and the navigation entry it highlights. */
function pageOf(route: Route): { render: PageRenderer; nav: string } {
  const [first, second] = route.path;
  if (first === 'schedules' && second) return { render: renderSchedulePage, nav: 'schedules' };
  if (first === 'schedules') return { render: renderSchedulesPage, nav: 'schedules' };
  if (first === 'tasks' && second) return { render: renderTaskPage, nav: 'jobs' };
  if (first === 'jobs') return { render: renderJobsPage, nav: 'jobs' };
  return { render: renderOverviewPage, nav: 'overview' };
}

const app = document.getElementById('app');
if (!app) throw new Error('the dashboard page has no #app element');
let leave: AbortController | undefined;

/** A `#token=...` link (as `rookery demo` prints) signs the tab in and is removed from the address bar. */
function takeTokenFromLink(): void {
  const match = /^#token=([^&]+)/.exec(location.hash);
  if (!match?.[1]) return;
  saveToken(decodeURIComponent(match[1]));
  history.replaceState(null, '', `${location.pathname}${href('')}`);
}

function signOut(problem: string | null): void {
  forgetToken();
  session = undefined;
  leave?.abort();
  if (app) renderSignInPage(app, problem, () => void start());
}

function shell(role: Role, nav: string): { main: HTMLElement } {
  const link = (name: string, label: string): HTMLElement =>
    h(
      'a',
      { href: href(name === 'overview' ? '' : name), class: name === nav ? 'current' : '', 'data-nav': name },
      label,
    );
  const main = h('main', { id: 'page' });
  if (app) {
    replace(
      app,
      h(
        'header',
        {},
        h('span', { class: 'brand' }, 'Rookery'),
        h('nav', {}, link('overview', 'Overview'), link('schedules', 'Schedules'), link('jobs', 'Jobs')),
        h('span', { class: 'whoami', 'data-role': role }, `role: ${role}`),
        h('button', { class: 'link', onclick: () => signOut(null) }, 'Sign out'),
      ),
      main,
    );
  }
  return { main };
}

async function show({ api, role, offers }: { api: ApiClient; role: Role; offers: Offers }): Promise<void> {
  leave?.abort();
  leave = new AbortController();
  const route = parseRoute(location.hash);
  const { render, nav } = pageOf(route);
  const { main } = shell(role, nav);
  try {
    await render({ root: main, api, role, offers, route, signal: leave.signal });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) signOut('The server no longer accepts this token.');
    else replace(main, errorBox(error));
  }
}

let session: { api: ApiClient; role: Role; offers: Offers } | undefined;

window.addEventListener('hashchange', () => {
  if (session && !location.hash.startsWith('#token=')) void show(session);
  else void start();
});

/** Signs in from the link or the tab's token, asks the server the token's role, and shows the route's page. */
async function start(): Promise<void> {
  if (!app) return;
  takeTokenFromLink();
  const token = readToken();
  if (!token) return signOut(null);
  const api = new ApiClient(token);
  let role: Role;
  let offers: Offers;
  try {
    [role, offers] = await Promise.all([api.whoami(), loadOffers()]);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return signOut('The server does not know this token.');
    replace(app, errorBox(`The server did not answer who this token is and what it offers: ${describeError(error)}`));
    return;
  }
  session = { api, role, offers };
  await show(session);
}

void start();
