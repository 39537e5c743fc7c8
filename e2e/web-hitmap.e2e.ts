import { context as otelContext, SpanKind, SpanStatusCode, trace, type HrTime } from '@opentelemetry/api';
import { hitmapRow } from '@meridian/domain';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS_DIR, buildWebUi, launchBrowser, sdkTelemetry, SessionClient, startTenantFixture, type MeridianProcess } from '@meridian/testing';

/**
 * The SRE's path through the web UI, in a real browser against the real server with spans from
 * the real OpenTelemetry SDK: live hitmap with cells → drag a rectangle over a known slow
 * transaction → its endpoint in the selection panel → the transaction in the list → its trace
 * with the SQL step. Also: live updates without reload, the link reproducing the view, and
 * the services page linking back into the hitmap.
 */
jest.setTimeout(240_000);

const SLOW_MS = 3_200;
const SLOW_SQL = "SELECT * FROM reports WHERE id = 42 AND status IN ('new', 'done')";
const SLOW_FINGERPRINT = 'SELECT * FROM reports WHERE id = ? AND status IN (?)';

let meridian: MeridianProcess;
let browser: Browser;
let base: string;
let owner: SessionClient;
let slug: string;
let ingestKey: string;

const hr = (ms: number): HrTime => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

beforeAll(async () => {
  buildWebUi();
  ({ meridian, base, owner, slug, ingestKey } = await startTenantFixture('sre'));
  browser = await launchBrowser();
}, 200_000);

afterAll(async () => {
  await browser?.close();
  await meridian?.stop();
});

/** Sends transactions with the OTel SDK: `fast` quick ones (some failing) and the slow one with its SQL child. */
async function sendTraffic(fast: number, slowEndMs: number): Promise<string> {
  const sdk = sdkTelemetry({
    protocol: 'http/protobuf',
    httpPort: meridian.ports.http,
    grpcPort: meridian.ports.grpc,
    key: ingestKey,
    serviceName: 'shop-api',
    resource: { 'host.name': 'web-1' },
  });
  const now = Date.now();
  for (let i = 0; i < fast; i++) {
    // Ending within the last minute: what a live poll re-reads.
    const end = now - 2_000 - ((i * 4_700) % 45_000);
    const dur = 40 + ((i * 37) % 400);
    const span = sdk.tracer.startSpan('GET /products', {
      kind: SpanKind.SERVER,
      startTime: hr(end - dur),
      attributes: { 'http.request.method': 'GET', 'http.route': '/products', 'http.response.status_code': i % 9 === 0 ? 500 : 200 },
    });
    if (i % 9 === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timeout' });
    span.end(hr(end));
  }
  const start = slowEndMs - SLOW_MS;
  const root = sdk.tracer.startSpan('GET /reports/{id}', {
    kind: SpanKind.SERVER,
    startTime: hr(start),
    attributes: { 'http.request.method': 'GET', 'http.route': '/reports/{id}', 'url.path': '/reports/42', 'http.response.status_code': 200 },
  });
  const ctx = trace.setSpan(otelContext.active(), root);
  const sql = sdk.tracer.startSpan(
    'SELECT reports',
    {
      kind: SpanKind.CLIENT,
      startTime: hr(start + 15),
      attributes: { 'db.system': 'postgresql', 'db.name': 'shop', 'db.statement': SLOW_SQL, 'net.peer.name': 'reports-db', 'net.peer.port': 5432 },
    },
    ctx,
  );
  sql.end(hr(start + 3_015));
  root.end(hr(slowEndMs));
  await sdk.flush();
  await sdk.shutdown();
  return root.spanContext().traceId;
}

/** `explain` says, on a timeout, what the page showed instead (a CI log is all a flake leaves). */
async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000, explain?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${explain ? `\n${await explain().catch((e: unknown) => `(no explanation: ${String(e)})`)}` : ''}`);
}

/**
 * Page pixels of a hitmap time (ms) and row, read from the chart as it is laid out now: anything
 * that moves or resizes it (a notice above it, a scrollbar) moves its cells.
 */
async function chartGeometry(page: Page, rows: number) {
  const chart = page.getByTestId('hitmap-chart');
  const box = (await chart.boundingBox())!;
  const [left, top, right, bottom] = (await chart.getAttribute('data-plot'))!.split(' ').map(Number);
  const xMin = Number(await chart.getAttribute('data-x-min'));
  const xMax = Number(await chart.getAttribute('data-x-max'));
  const plotW = box.width - left - right;
  const plotH = box.height - top - bottom;
  return {
    box,
    xMin,
    xMax,
    px: (ms: number) => box.x + left + ((ms - xMin) / (xMax - xMin)) * plotW,
    py: (row: number) => box.y + top + (1 - row / rows) * plotH,
  };
}

async function signedInPage(locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ locale, timezoneId: 'Asia/Tokyo', viewport: { width: 1400, height: 1000 } });
  await context.addCookies([...owner.cookies].map(([name, value]) => ({ name, value, url: base })));
  const page = await context.newPage();
  // The CSP has no 'unsafe-inline': every inline script the export writes must match a hash the server sends.
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspViolations.push(`${page.url()}: ${msg.text()}`);
  });
  page.on('pageerror', (e) => {
    if (/Content Security Policy/i.test(e.message)) cspViolations.push(`${page.url()}: ${e.message}`);
  });
  return page;
}
const cspViolations: string[] = [];

/** Total transactions the hitmap's summary line reports. */
async function summaryCount(page: Page): Promise<number> {
  const text = (await page.getByTestId('hitmap-summary').textContent()) ?? '';
  const m = /([\d,]+) transactions/.exec(text);
  return m ? Number(m[1].replace(/,/g, '')) : -1;
}

describe('web UI: hitmap drill-down to a trace', () => {
  let slowTraceId: string;
  let slowEndMs: number;

  it('shows the live hitmap, drag-selects the slow transaction, lists it and opens its trace with the SQL step', async () => {
    // Before any data: the empty state says what to do.
    const page = await signedInPage();
    await page.goto(`${base}/hitmap?tenant=${slug}`);
    await page.getByText('No transactions yet').waitFor({ timeout: 15_000 });
    const chart = page.getByTestId('hitmap-chart');
    expect(await chart.getAttribute('data-cells')).toBe('0');

    // Live: transactions sent now appear without a reload, and the x range slides with the clock.
    const xMaxBefore = Number(await chart.getAttribute('data-x-max'));
    slowEndMs = Date.now() - 25_000;
    slowTraceId = await sendTraffic(60, slowEndMs);
    await eventually(async () => (await summaryCount(page)) === 61, 'the sent transactions on the live hitmap');
    expect(Number(await chart.getAttribute('data-cells'))).toBeGreaterThan(0);
    expect(Number(await chart.getAttribute('data-x-max'))).toBeGreaterThan(xMaxBefore);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'hitmap.png'), fullPage: true });

    // Drag over the slow transaction's dot: ±15 s around its end, rows around 3.2 s.
    const { px, py } = await chartGeometry(page, Number(await chart.getAttribute('data-rows')));
    const row = hitmapRow(SLOW_MS);
    await page.mouse.move(px(slowEndMs - 15_000), py(row + 3));
    await page.mouse.down();
    await page.mouse.move(px(slowEndMs + 15_000), py(row - 2), { steps: 10 });
    await page.mouse.up();

    // The panel: per service/endpoint count and errors in the rectangle.
    const panel = page.getByTestId('selection-panel');
    const group = panel.getByRole('button', { name: 'shop-api GET /reports/{id}' });
    await group.waitFor({ timeout: 15_000 });
    expect(await panel.getByRole('row').count()).toBe(2); // header + the slow endpoint only
    await expect(panel.getByRole('row').nth(1).textContent()).resolves.toMatch(/GET \/reports\/\{id\}\s*1\s*0/);
    expect(page.url()).toMatch(/[?&]sel=/);
    await group.click();

    // The list: the transaction with its time, duration and trace id.
    const list = page.getByTestId('transactions');
    const link = list.getByRole('link', { name: slowTraceId });
    await link.waitFor({ timeout: 15_000 });
    await expect(list.textContent()).resolves.toContain('3.2 s');
    const hitmapUrl = page.url();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'hitmap-selection.png'), fullPage: true });
    await link.click();

    // The trace: waterfall of both spans, the SQL step normalized and as sent.
    await page.waitForURL(/\/trace\?/);
    const waterfall = page.getByTestId('waterfall');
    await waterfall.getByRole('button', { name: 'SELECT reports' }).waitFor({ timeout: 15_000 });
    expect(await waterfall.locator('[data-span-id]').count()).toBe(2);
    const sqlSteps = page.getByTestId('sql-steps');
    await expect(sqlSteps.textContent()).resolves.toContain(SLOW_FINGERPRINT);
    await sqlSteps.getByText(SLOW_FINGERPRINT).click();
    const details = page.getByTestId('span-details');
    await details.locator('pre', { hasText: SLOW_SQL }).waitFor(); // the statement as sent, beside the normalized one
    await expect(details.textContent()).resolves.toContain('reports-db:5432');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'trace.png'), fullPage: true });

    // The link reproduces the view: selection, picked endpoint and the listed transaction.
    const again = await signedInPage();
    await again.goto(hitmapUrl);
    await again.getByTestId('transactions').getByRole('link', { name: slowTraceId }).waitFor({ timeout: 15_000 });
    await again.context().close();

    // From the trace back to its dot: a fixed window around it, its cell selected, its endpoint listed.
    await page.getByRole('link', { name: 'Show on the hitmap' }).click();
    await page.waitForURL(/\/hitmap\?.*sel=/);
    await page.getByTestId('transactions').getByRole('link', { name: slowTraceId }).waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('live-toggle').getAttribute('aria-pressed')).toBe('false');
    await page.context().close();
  });

  it('loads every window preset, polls only new columns, draws dots, zooms the y axis, selects a dot by click and takes keyboard shortcuts', async () => {
    const page = await signedInPage();
    const answers: Array<{ url: string; status: number; bytes: number; at: number }> = [];
    page.on('response', async (res) => {
      if (!/\/api\/v1\/tenants\/[^/]+\/hitmap\?/.test(res.url())) return;
      const at = Date.now();
      answers.push({ url: res.url(), status: res.status(), bytes: (await res.body().catch(() => Buffer.alloc(0))).length, at });
    });
    await page.goto(`${base}/hitmap?tenant=${slug}`);
    const chart = page.getByTestId('hitmap-chart');
    await eventually(async () => Number(await chart.getAttribute('data-cells')) > 0, 'hitmap cells');

    // Every preset the picker offers loads, live and paused (6 h used to answer 400: its start was rounded down).
    const presets = page.getByRole('group', { name: 'Window' }).getByRole('button');
    const labels = await presets.allTextContents();
    expect(labels).toEqual(['5 min', '10 min', '30 min', '1 h', '3 h', '6 h']);
    const liveIs = (on: boolean) =>
      eventually(async () => (await page.getByTestId('live-toggle').getAttribute('aria-pressed')) === String(on), `Live ${on ? 'on' : 'off'}`);
    for (const live of [true, false]) {
      if (!live) {
        await page.getByTestId('live-toggle').click();
        // A preset picked before the page shows Live off would pick a live window (the click reads the view it shows).
        await liveIs(false);
      }
      for (const label of labels) {
        const before = answers.length;
        await presets.getByText(label, { exact: true }).click();
        await eventually(
          async () => answers.length > before && answers.slice(before).every((a) => a.status === 200),
          `the ${label} preset (${live ? 'live' : 'paused'}) answered`,
        );
        expect(await page.getByText('Could not load the hitmap').count()).toBe(0);
      }
    }
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    await page.getByTestId('live-toggle').click();
    await liveIs(true);
    await presets.getByText('10 min', { exact: true }).click();

    // Live polls after the first ask only for the newest columns (since) and stay small.
    const mark = answers.length;
    await eventually(async () => answers.length >= mark + 3, 'three live polls', 25_000);
    const polls = answers.slice(mark + 1);
    expect(polls.every((a) => new URL(a.url).searchParams.has('since'))).toBe(true);
    for (const a of polls) expect(a.bytes).toBeLessThanOrEqual(20 * 1024);
    // From/To follow the live window, in 24 h text.
    const fromField = page.getByLabel('From', { exact: true });
    const from1 = await fromField.inputValue();
    expect(from1).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    await eventually(async () => (await fromField.inputValue()) !== from1, 'From following the live window');

    // Paused from here on, so the x axis stands still under the pixel checks.
    await page.getByTestId('live-toggle').click();
    await page.waitForURL(/[?&]from=/);
    // Then a window ending on a whole minute, the slow dot near its right edge: an x-axis label
    // sits on that edge. echarts' default grid shrank the plot to keep that label on the canvas,
    // moving every dot up to a column left of its cell (this test failed whenever Live was paused
    // in the first seconds of a minute).
    const pinned = new URL(page.url());
    const pinnedTo = Math.ceil((slowEndMs + 10_000) / 60_000) * 60_000;
    pinned.searchParams.set('from', new Date(pinnedTo - 600_000).toISOString());
    pinned.searchParams.set('to', new Date(pinnedTo).toISOString());
    await page.goto(pinned.toString());

    // Y zoom: ≤ 5 s puts the slow transaction's row (3.2 s) high on the axis.
    await page.getByTestId('y-zoom').getByRole('button', { name: '≤ 5 s' }).click();
    await page.waitForURL(/[?&]y=5s/);
    await eventually(async () => (await chart.getAttribute('data-top-row')) === '40', 'the zoomed axis');

    // The slow transaction's cell, in page pixels (measured again on every look: see chartGeometry).
    const column = Math.floor(slowEndMs / 5_000) * 5_000;
    const row = hitmapRow(SLOW_MS);
    // A dot, not a dash: its centre is painted, the corner of its cell is not.
    const painted = (rgba: number[]) => rgba[3] > 0 && !(rgba[0] > 240 && rgba[1] > 240 && rgba[2] > 240);
    // What the page shows in a square around a point: a screenshot (the frame on screen), decoded by
    // the browser. Reading the chart's canvases instead failed twice in CI: they held the dot a
    // column to the left for 20 s while a screenshot taken right after showed it in place.
    const onScreen = async (cx: number, cy: number, r: number) => {
      const clip = { x: Math.round(cx) - r, y: Math.round(cy) - r, width: 2 * r + 1, height: 2 * r + 1 };
      const png = (await page.screenshot({ clip })).toString('base64');
      const image = (await page.evaluate(`(async () => {
        const bytes = Uint8Array.from(atob('${png}'), (c) => c.charCodeAt(0));
        const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
        const g = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d');
        g.drawImage(bitmap, 0, 0);
        return { width: bitmap.width, data: Array.from(g.getImageData(0, 0, bitmap.width, bitmap.height).data) };
      })()`)) as { width: number; data: number[] };
      return (x: number, y: number) => {
        const i = ((Math.round(y) - clip.y) * image.width + (Math.round(x) - clip.x)) * 4;
        return image.data.slice(i, i + 4);
      };
    };
    let geo = await chartGeometry(page, 40);
    const lookedFrom = Date.now();
    const centreOf = (g: typeof geo) => ({ x: g.px(column + 2_500), y: g.py(row + 0.5) });
    await eventually(
      async () => {
        geo = await chartGeometry(page, 40);
        const c = centreOf(geo);
        return painted((await onScreen(c.x, c.y, 2))(c.x, c.y));
      },
      'the slow dot drawn',
      20_000,
      async () => {
        await page.screenshot({ path: join(ARTIFACTS_DIR, 'hitmap-no-slow-dot.png'), fullPage: true });
        // Whether the server has the cell for the window shown: missing data, or a drawing that missed it?
        const shown = new URL(page.url()).searchParams;
        const stored = await owner.call('hitmap', {
          params: { tenant: slug },
          query: { from: String(Date.parse(shown.get('from')!)), to: String(Date.parse(shown.get('to')!)) },
        });
        const c = stored.columns.indexOf(column);
        const before = stored.cellsPerColumn.slice(0, Math.max(0, c)).reduce((a, n) => a + n, 0);
        return JSON.stringify({
          serverHasSlowCell: c >= 0 && stored.y.slice(before, before + stored.cellsPerColumn[c]).includes(row),
          url: page.url(),
          slowColumn: column,
          slowRow: row,
          chart: {
            box: geo.box,
            xMin: geo.xMin,
            xMax: geo.xMax,
            cells: await chart.getAttribute('data-cells'),
            topRow: await chart.getAttribute('data-top-row'),
          },
          pixelAtDot: (await onScreen(centreOf(geo).x, centreOf(geo).y, 2))(centreOf(geo).x, centreOf(geo).y),
          // Drawn elsewhere on its row, or not at all?
          paintedOnRowNear: await (async () => {
            const { x, y } = centreOf(geo);
            const at = await onScreen(x, y, 40);
            return Array.from({ length: 81 }, (_, i) => i - 40).filter((dx) => painted(at(x + dx, y)));
          })(),
          alerts: await page.getByRole('alert').allTextContents(),
          lastHitmapAnswers: answers.slice(-6).map((a) => `${a.status} ${a.bytes} B at ${a.at - lookedFrom} ms ${new URL(a.url).search}`),
        });
      },
    );
    const { px, py } = geo;
    const centre = centreOf(geo);
    // The painted shape around the cell: a dot fills its bounding box's middle, not its corners (a dash would).
    const around = await onScreen(px(column) + 5, py(row + 1) + 5, 9);
    const grid: boolean[][] = [];
    for (let dy = -3; dy < 14; dy++) {
      const line: boolean[] = [];
      for (let dx = -3; dx < 14; dx++) line.push(painted(around(px(column) + dx, py(row + 1) + dy)));
      grid.push(line);
    }
    const ascii = grid.map((l) => l.map((p) => (p ? '#' : '.')).join('')).join('\n');
    const ys = grid.flatMap((l, y) => (l.some(Boolean) ? [y] : []));
    const xs = grid[0].flatMap((_, x) => (grid.some((l) => l[x]) ? [x] : []));
    const [y0, y1, x0, x1] = [Math.min(...ys), Math.max(...ys), Math.min(...xs), Math.max(...xs)];
    expect({ height: y1 - y0 + 1 >= 6, width: x1 - x0 + 1 >= 6, ascii }).toEqual({ height: true, width: true, ascii });
    expect({ corners: [grid[y0][x0], grid[y0][x1], grid[y1][x0], grid[y1][x1]], centre: grid[(y0 + y1) >> 1][(x0 + x1) >> 1], ascii }).toEqual({
      corners: [false, false, false, false],
      centre: true,
      ascii,
    });

    // A click on the dot selects its cell and lists its one transaction.
    await page.mouse.click(centre.x, centre.y);
    await page.waitForURL(/[?&]sel=.*txEndpoint=/);
    const list = page.getByTestId('transactions');
    await list.getByRole('link', { name: slowTraceId }).waitFor({ timeout: 15_000 });
    expect(await list.getByRole('row').count()).toBe(2);

    // The endpoint wraps between path segments only, even in a narrow panel.
    await page.getByTestId('selection-panel').getByText('/reports/', { exact: false }).last().waitFor();
    // The text of each rendered line, from the position of every character.
    const lines = (await page.evaluate(`(() => {
      const panel = document.querySelector('[data-testid="selection-panel"]');
      panel.style.width = '9rem';
      panel.style.flexBasis = '9rem';
      const el = [...panel.querySelectorAll('[class*="endpoint"]')].find((e) => e.textContent.includes('/reports/'));
      const tops = [];
      const chars = [];
      const range = document.createRange();
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        for (let i = 0; i < n.textContent.length; i++) {
          range.setStart(n, i);
          range.setEnd(n, i + 1);
          tops.push(Math.round(range.getBoundingClientRect().top));
          chars.push(n.textContent[i]);
        }
      }
      const out = [''];
      chars.forEach((ch, i) => {
        if (i > 0 && tops[i] > tops[i - 1] + 2) out.push('');
        out[out.length - 1] += ch;
      });
      return out;
    })()`)) as string[];
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines.slice(0, -1)) expect(l).toMatch(/[/ ]$/);

    // Shortcuts: ? lists them, Esc closes the list and then clears the selection, t goes to the time picker, l switches Live.
    await page.keyboard.press('?');
    await page.getByTestId('shortcuts').waitFor();
    await expect(page.getByTestId('shortcuts').textContent()).resolves.toContain('Live on / off');
    await page.keyboard.press('Escape');
    await page.getByTestId('shortcuts').waitFor({ state: 'detached' });
    await page.keyboard.press('Escape');
    await eventually(async () => !/[?&]sel=/.test(page.url()), 'Esc clearing the selection');
    await page.keyboard.press('t');
    expect(await page.evaluate('document.activeElement?.id')).toBe('hitmap-from');
    await page.keyboard.press('l'); // typed into the field: not a shortcut
    expect(await page.getByTestId('live-toggle').getAttribute('aria-pressed')).toBe('false');
    await page.locator('h1').click();
    await page.keyboard.press('l');
    await eventually(async () => (await page.getByTestId('live-toggle').getAttribute('aria-pressed')) === 'true', 'l switching Live on');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'hitmap-zoomed.png'), fullPage: true });
    await page.context().close();
  });

  it('lists services with RED figures, linking to the hitmap filtered to the service (and speaks Japanese)', async () => {
    const page = await signedInPage('ja-JP');
    await page.goto(`${base}/services?tenant=${slug}`);
    const table = page.getByTestId('services-table');
    await table.waitFor({ timeout: 15_000 });
    const text = (await table.textContent()) ?? '';
    expect(text).toContain('GET /products');
    expect(text).toContain('GET /reports/{id}');
    expect(text).toContain('スループット');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'services-ja.png'), fullPage: true });
    await table.getByRole('link', { name: 'shop-api', exact: true }).click();
    await page.waitForURL(/\/hitmap\?.*service=shop-api/);
    await eventually(async () => Number(await page.getByTestId('hitmap-chart').getAttribute('data-cells')) > 0, 'filtered hitmap cells');
    await page.getByRole('heading', { name: 'ヒットマップ' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'hitmap-service-ja.png'), fullPage: true });
    await page.context().close();
  });

  it('ran every page under a CSP without unsafe-inline and raised no CSP violation', async () => {
    const res = await fetch(`${base}/hitmap`);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self' 'sha256-/);
    expect(/script-src ([^;]*)/.exec(res.headers.get('content-security-policy') ?? '')?.[1]).not.toContain('unsafe-inline');
    expect(cspViolations).toEqual([]);
  });
});
