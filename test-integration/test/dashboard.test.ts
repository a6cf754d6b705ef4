import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../../packages/datastore-sql/test/helpers/test-databases.js';
import { chromiumAvailable, launchChromium } from '../src/browser.js';
import { waitUntil } from '../src/cluster.js';
import { DASHBOARD_TOKENS, startDashboardCluster, type DashboardCluster } from '../src/dashboard-cluster.js';

// The dashboard in real Chromium against a real server, a real node and a real database
// (SQLite and PostgreSQL): sign in, overview, schedules, a ledger, pause, a live log, cancel,
// and what a read token may see and do. The SQLite run writes the screenshots of site/.
const IMAGES = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../site/images');
const hasChromium = chromiumAvailable();
const dialects = (await testDialects()).filter((d) => d.label !== 'mariadb');
const EXPECT_MS = 20_000;

describe.each(dialects)('the dashboard in Chromium on $label', (dialect) => {
  const run = hasChromium && dialect.available;
  let cluster: DashboardCluster;
  let browser: Browser;
  let page: Page;
  const shoot = async (name: string): Promise<void> => {
    if (dialect.label !== 'sqlite') return;
    mkdirSync(IMAGES, { recursive: true });
    await page.evaluate("document.getElementById('notices').replaceChildren()"); // the toasts of earlier steps
    await page.screenshot({ path: resolve(IMAGES, `dashboard-${name}.png`) });
  };
  const signIn = async (target: Page, token: string): Promise<void> => {
    await target.goto(cluster.url);
    await target.getByLabel('API token').fill(token);
    await target.getByRole('button', { name: 'Sign in' }).click();
    await target.locator('header .whoami').waitFor();
  };

  beforeAll(async () => {
    if (!run) return;
    cluster = await startDashboardCluster(dialect);
    const { client } = cluster;
    const now = Date.now();
    await client.createSchedule({
      name: 'every-second',
      executor: 'quick',
      trigger: { kind: 'interval', everyMs: 1_000 },
    });
    await client.createSchedule({
      name: 'flaky-2s',
      executor: 'flaky',
      payload: { failUntilAttempt: 2 },
      trigger: { kind: 'interval', everyMs: 2_000 },
      policies: { retry: { kind: 'fixed', maxAttempts: 2, delayMs: 200 } },
    });
    await client.createSchedule({
      name: 'busy-skip',
      executor: 'chatty',
      payload: { ms: 2_500 },
      trigger: { kind: 'interval', everyMs: 1_000 },
      policies: { duplicate: 'skip' },
    });
    await client.createSchedule({
      name: 'long-log',
      executor: 'chatty',
      payload: { ms: 120_000 },
      trigger: { kind: 'once', at: now + 300 },
    });
    await client.createSchedule({
      name: 'long-cancel',
      executor: 'chatty',
      payload: { ms: 120_000 },
      trigger: { kind: 'once', at: now + 300 },
    });
    for (let i = 1; i <= 60; i += 1) {
      await client.createSchedule({
        name: `report-${String(i).padStart(3, '0')}`,
        executor: 'quick',
        trigger: { kind: 'cron', expr: `${i % 60} 3 * * *` },
      });
    }
    await waitUntil(
      async () =>
        (await cluster.store.taskList({ states: ['running'], limit: 10 })).filter((t) => t.executor === 'chatty')
          .length >= 2,
      EXPECT_MS,
      'the long tasks to run',
    );
    // a few seconds of ledger: every-second completes, flaky fails then retries, busy-skip skips
    await new Promise((r) => setTimeout(r, 5_000));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await cluster?.dispose();
  });

  it.skipIf(!run)(
    'signs in with a token kept for the tab only, and shows the cluster overview from the node',
    async () => {
      await page.goto(cluster.url);
      await page.getByLabel('API token').fill('not-a-token');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect
        .poll(() => page.getByRole('alert').textContent(), { timeout: EXPECT_MS })
        .toContain('Sign-in failed');
      await signIn(page, DASHBOARD_TOKENS.admin);
      expect(await page.locator('header .whoami').textContent()).toBe('role: admin');
      expect(await page.evaluate('document.cookie')).toBe('');
      expect(await page.evaluate("sessionStorage.getItem('rookery.token')")).toBe(DASHBOARD_TOKENS.admin);
      await page.locator('tr[data-node="web-1"]').waitFor({ timeout: EXPECT_MS });
      await expect
        .poll(async () => Number(await page.locator('[data-stat="running"] .stat-value').textContent()), {
          timeout: EXPECT_MS,
        })
        .toBeGreaterThanOrEqual(2);
      await shoot('overview');
    },
  );

  it.skipIf(!run)('lists the schedules a page at a time, searched and filtered by the server', async () => {
    await page.locator('[data-nav="schedules"]').click();
    await page.locator('tr[data-schedule]').first().waitFor();
    expect(await page.locator('tr[data-schedule]').count()).toBe(50);
    await page.locator('[data-next="page"]').click();
    await expect.poll(() => page.locator('tr[data-schedule]').count(), { timeout: EXPECT_MS }).toBe(15);
    await page.getByLabel('search schedules by name').fill('REPORT-05');
    await expect
      .poll(() => page.locator('tr[data-schedule]').allTextContents(), { timeout: EXPECT_MS })
      .toHaveLength(10);
    expect(page.url()).toContain('q=REPORT-05');
    await page.getByLabel('search schedules by name').fill('');
    await page.locator('input[name="state"][value="active"]').check();
    await expect.poll(() => page.locator('tr[data-schedule="long-log"]').count(), { timeout: EXPECT_MS }).toBe(1);
    await shoot('schedules');
  });

  it.skipIf(!run)(
    'opens a schedule from a link, shows its ledger with each fire time’s state, and an occurrence’s attempts and log on click',
    async () => {
      await page.goto(`${cluster.url}#/schedules/flaky-2s`);
      await page.locator('.timeline [data-occurrence]').first().waitFor({ timeout: EXPECT_MS });
      const states = await page
        .locator('.timeline [data-occurrence]')
        .evaluateAll((cells) => cells.map((c) => c.getAttribute('data-state')));
      expect(states.length).toBeGreaterThan(0);
      // every cell says its state in text, not by colour alone
      for (const label of await page
        .locator('.timeline [data-occurrence]')
        .evaluateAll((cells) => cells.map((c) => c.getAttribute('aria-label') ?? '')))
        expect(label).toMatch(/: (completed|failed|pending|running|skipped|missed|coalesced|cancelled|abandoned)/);
      await waitUntil(
        async () => (await cluster.client.listTasks({ schedule: 'flaky-2s', states: ['completed'] })).length > 0,
        EXPECT_MS,
        'a completed flaky task',
      );
      await page.locator('[data-refresh="ledger"]').click();
      await page.locator('.timeline [data-state="completed"]').first().click();
      await page.locator('.occurrence table.attempts tbody tr').nth(1).waitFor({ timeout: EXPECT_MS });
      const attempts = await page.locator('.occurrence table.attempts tbody tr').allTextContents();
      // the first attempt failed and was retried on the same node, the second completed
      expect(attempts[0]).toMatch(/web-1.*pending.*retry 1 of 1/);
      expect(attempts[1]).toMatch(/web-1.*completed/);
      expect(page.url()).toMatch(/#\/schedules\/flaky-2s\?task=/);
      await page.goto(`${cluster.url}#/schedules/busy-skip`);
      await page.locator('.timeline [data-state="skipped"]').first().waitFor({ timeout: EXPECT_MS });
      await page.locator('.timeline [data-state="completed"], .timeline [data-state="running"]').first().click();
      await page.locator('.occurrence .log-line').first().waitFor({ timeout: EXPECT_MS });
      await shoot('schedule-ledger');
    },
  );

  it.skipIf(!run)('pauses a schedule and shows it paused; retire and delete wait for their confirmation', async () => {
    await page.goto(`${cluster.url}#/schedules/every-second`);
    await page.locator('[data-action="pause"]').click();
    await page.locator('[data-action="resume"]').waitFor({ timeout: EXPECT_MS });
    expect(await page.locator('h1 .badge').textContent()).toContain('paused');
    expect((await cluster.client.getSchedule('every-second')).state).toBe('paused');
    await page.locator('[data-action="retire"]').click();
    await page.locator('dialog.confirm').getByRole('button', { name: 'Cancel' }).click();
    expect((await cluster.client.getSchedule('every-second')).state).toBe('paused');
    await page.locator('[data-action="retire"]').click();
    await page.locator('dialog.confirm [data-confirm]').click();
    await expect
      .poll(async () => (await cluster.client.getSchedule('every-second')).state, { timeout: EXPECT_MS })
      .toBe('retired');
    await expect.poll(() => page.locator('h1 .badge').textContent(), { timeout: EXPECT_MS }).toContain('retired');
    await page.goto(`${cluster.url}#/schedules/report-060`);
    await page.locator('[data-action="delete"]').click();
    await page.locator('dialog.confirm [data-confirm]').click();
    await page.waitForURL(/#\/schedules$/, { timeout: EXPECT_MS });
    await expect(cluster.client.getSchedule('report-060')).rejects.toThrow(/not found|no schedule/i);
  });

  it.skipIf(!run)('follows a running task’s log live: lines appear while the page is open', async () => {
    const [task] = await cluster.client.listTasks({ schedule: 'long-log', states: ['running'] });
    if (!task) throw new Error('long-log is not running');
    await page.goto(`${cluster.url}#/tasks/${task.id}`);
    await page.locator('.following').waitFor({ timeout: EXPECT_MS });
    await page.locator('.log-line').first().waitFor({ timeout: EXPECT_MS });
    const before = await page.locator('.log-line').count();
    await expect.poll(() => page.locator('.log-line').count(), { timeout: EXPECT_MS }).toBeGreaterThan(before + 3);
    const lines = await page.locator('.log-line').allTextContents();
    expect(lines.at(-1)).toMatch(/line \d+ of attempt 1/);
    await shoot('task');
  });

  it.skipIf(!run)('cancels a running task after its confirmation, and shows it cancelled', async () => {
    const [task] = await cluster.client.listTasks({ schedule: 'long-cancel', states: ['running'] });
    if (!task) throw new Error('long-cancel is not running');
    await page.goto(`${cluster.url}#/tasks/${task.id}`);
    await page.locator('[data-action="cancel"]').click();
    await page.locator('dialog.confirm [data-confirm]').click();
    await expect
      .poll(async () => (await cluster.client.getTask(task.id)).state, { timeout: EXPECT_MS })
      .toBe('cancelled');
    await page.reload();
    await expect
      .poll(() => page.locator(`[data-task="${task.id}"]`).getAttribute('data-task-state'), { timeout: EXPECT_MS })
      .toBe('cancelled');
    expect(await page.locator('[data-action="cancel"]').count()).toBe(0);
  });

  it.skipIf(!run)(
    'enqueues a job from the jobs page, refusing a payload that is not JSON, and follows it until it completes',
    async () => {
      await page.goto(`${cluster.url}#/jobs`);
      await page.getByLabel('executor', { exact: true }).fill('quick');
      await page.getByLabel('payload (JSON)').fill('{ not json');
      await page.locator('[data-action="enqueue"]').click();
      await expect
        .poll(() => page.locator('#notices .error').last().textContent(), { timeout: EXPECT_MS })
        .toContain('field: payload');
      await page.getByLabel('payload (JSON)').fill('{ "report": "weekly" }');
      await page.getByLabel('dedupe key').fill('weekly-report');
      await page.locator('[data-action="enqueue"]').click();
      await page.waitForURL(/#\/tasks\//, { timeout: EXPECT_MS });
      await expect
        .poll(() => page.locator('[data-task]').getAttribute('data-task-state'), { timeout: EXPECT_MS })
        .toBe('completed');
      await page.goto(`${cluster.url}#/jobs?executor=quick`);
      await page.locator('tr[data-task-row]').first().waitFor({ timeout: EXPECT_MS });
      expect(await page.locator('tr[data-task-row]', { hasText: 'job, key weekly-report' }).count()).toBe(1);
      await shoot('jobs');
    },
  );

  it.skipIf(!run)(
    'shows a read token no operator button, and the API refuses it those actions anyway (403)',
    async () => {
      const readPage = await browser.newPage();
      await signIn(readPage, DASHBOARD_TOKENS.read);
      expect(await readPage.locator('header .whoami').textContent()).toBe('role: read');
      await readPage.goto(`${cluster.url}#/schedules/flaky-2s`);
      await readPage.locator('.timeline [data-occurrence]').first().waitFor({ timeout: EXPECT_MS });
      const [running] = await cluster.client.listTasks({ schedule: 'long-log', states: ['running'] });
      if (!running) throw new Error('long-log is not running');
      await readPage.goto(`${cluster.url}#/tasks/${running.id}`);
      await readPage.locator(`[data-task="${running.id}"]`).waitFor({ timeout: EXPECT_MS });
      await readPage.goto(`${cluster.url}#/jobs`);
      await readPage.locator('h1').waitFor();
      expect(await readPage.locator('[data-action]').count()).toBe(0);
      await readPage.goto(`${cluster.url}#/schedules/flaky-2s`);
      await readPage.locator('h1 .badge').waitFor({ timeout: EXPECT_MS });
      expect(await readPage.locator('[data-action]').count()).toBe(0);
      await readPage.close();
      const asRead = (path: string, method = 'POST') =>
        fetch(`${cluster.url}api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${DASHBOARD_TOKENS.read}`, 'content-type': 'application/json' },
          body: method === 'POST' ? '{}' : null,
        });
      for (const [path, method, required] of [
        ['/schedules/flaky-2s/pause', 'POST', 'operate'],
        ['/schedules/flaky-2s', 'DELETE', 'admin'],
        [`/tasks/${running.id}/cancel`, 'POST', 'operate'],
      ] as const) {
        const response = await asRead(path, method);
        expect(response.status, `${method} ${path}`).toBe(403);
        expect(await response.json()).toMatchObject({ error: { code: 'forbidden', required } });
      }
      expect((await cluster.client.getSchedule('flaky-2s')).state).toBe('active');
      expect((await cluster.client.getTask(running.id)).state).toBe('running');
    },
  );
});
