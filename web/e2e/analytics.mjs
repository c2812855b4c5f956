// Browser tests of the analytics pages (/analytics/*) against the demo server. The scenario
// seeds data first: formal complaints imported with the real CLI (`centinela import
// complaints`, a generated CSV over the last ~13 months, clustered in San Miguel so there
// are hot spots), neighbour reports and 911 incidents through the API (taken to the scene,
// for response times), and one approved membership (adoption). Each page is then opened as
// the demo analyst, its figures compared with what the API answers for the same query, axe
// run on it, and screenshots taken at phone and desktop sizes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO, DESKTOP, PHONE, apiGet, apiToken, assert, shoot, signedInPage, writeJson } from './harness.mjs';

export const ANALYST = { login: 'analista@centinela.demo', password: 'demo-analista-2026' };
const TZ = 'America/Santiago';

/** YYYY-MM-DD in Santiago, `days` from today. */
function santiagoDay(days = 0) {
  // Calendar arithmetic on today's Santiago date, as the page does: stepping back in 24 h
  // units would cross the September DST change (UTC-4 -> UTC-3) and land a day early in
  // the first hour after Santiago's midnight.
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  const d = new Date(`${today}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
/** Santiago's offset from UTC now, "-03:00" (what the browser sends as utc_offset). */
function santiagoOffset() {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: TZ, timeZoneName: 'longOffset' }).formatToParts(new Date());
  const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT-03:00';
  return name === 'GMT' ? '+00:00' : name.slice(3);
}
const es = (n, digits = 0) => new Intl.NumberFormat('es-CL', { maximumFractionDigits: digits }).format(n);

// Comuna centres (inside their polygons) and a small deterministic generator.
const PLACES = [
  ['San Miguel', -33.4966, -70.6516],
  ['La Cisterna', -33.5302, -70.6641],
  ['San Joaquín', -33.496, -70.628],
  ['La Granja', -33.5401, -70.6218],
  ['San Ramón', -33.54, -70.642],
  ['El Bosque', -33.564, -70.676],
  ['La Pintana', -33.5801, -70.6305],
];
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A complaints CSV: 360 rows over the last 400 days, half of them within ~400 m of San
 *  Miguel's centre, plus a few today next to the neighbour reports (dark-figure matches). */
function complaintsCsv() {
  const rand = rng(20261124);
  const kinds = ['ROBO CON VIOLENCIA', 'HURTO', 'ROBO EN LUGAR HABITADO', 'AMENAZAS', 'DANOS'];
  const lines = ['id,fecha,hora,delito,lat,lon'];
  for (let i = 0; i < 360; i++) {
    const [, lat0, lon0] = i % 2 === 0 ? PLACES[0] : PLACES[1 + (i % (PLACES.length - 1))];
    const spread = i % 2 === 0 ? 0.0035 : 0.006;
    const lat = lat0 + (rand() - 0.5) * 2 * spread;
    const lon = lon0 + (rand() - 0.5) * 2 * spread;
    const day = santiagoDay(-Math.floor(rand() * 400) - 1);
    const hour = Math.floor((rand() + rand()) * 12) % 24;
    lines.push(`c${i},${day},${String(hour).padStart(2, '0')}:${String(Math.floor(rand() * 60)).padStart(2, '0')},${kinds[i % kinds.length]},${lat.toFixed(6)},${lon.toFixed(6)}`);
  }
  for (let i = 0; i < 3; i++) {
    const [, lat, lon] = PLACES[i];
    lines.push(`today${i},${santiagoDay(0)},00:30,ROBO CON VIOLENCIA,${(lat + 0.001).toFixed(6)},${lon.toFixed(6)}`);
  }
  return `${lines.join('\n')}\n`;
}

const MAPPING = `# e2e: synthetic complaints for the analytics pages
source = "e2e_fiscalia"
kind = "complaints"
delimiter = ","
utc_offset = "-03:00"

[columns]
id = "id"
date = "fecha"
time = "hora"
category = "delito"
lat = "lat"
lon = "lon"

[dates]
date_format = "YYYY-MM-DD"
time_format = "HH:MM"

[categories]
unmapped = "error"
rules = [
  { match = "ROBO CON VIOLENCIA", code = "robo" },
  { match = "HURTO", code = "hurto" },
  { match = "ROBO EN LUGAR HABITADO", code = "robo_vivienda" },
  { match = "AMENAZAS", code = "amenaza" },
  { match = "DANOS", code = "vandalismo" },
]
`;

async function post(base, token, path, body, headers = {}) {
  const r = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`POST ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export async function seed(server, binary) {
  // 1. Formal complaints through the CLI, into the running server's database.
  const dir = mkdtempSync(join(tmpdir(), 'centinela-e2e-complaints-'));
  try {
    const csv = join(dir, 'denuncias.csv');
    const mapping = join(dir, 'mapping.toml');
    writeFileSync(csv, complaintsCsv());
    writeFileSync(mapping, MAPPING);
    const run = spawnSync(binary, ['import', 'complaints', csv, '--mapping', mapping, '--errors', join(dir, 'bad.csv'), '--data-dir', server.dataDir], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const said = `${run.stdout}\n${run.stderr}`;
    assert(run.status === 0, `import complaints exited ${run.status}: ${said}`);
    assert(/imported 363\b/.test(said), `import did not report 363 rows imported: ${said.trim().split('\n').slice(-2).join(' | ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // 2. Neighbour reports (informal) around the comunas.
  const nb = await apiToken(server.base, DEMO.neighbour);
  const cats = ['robo', 'hurto', 'robo_vivienda', 'amenaza', 'persona_sospechosa', 'robo'];
  for (let i = 0; i < 12; i++) {
    const [, lat, lon] = PLACES[i % PLACES.length];
    await post(
      server.base,
      nb,
      '/api/v1/reports',
      { category: cats[i % cats.length], lat: lat + (i % 3) * 0.0008, lon: lon - (i % 2) * 0.0008, description: `Reporte e2e ${i + 1}` },
      { 'Idempotency-Key': `an-e2e-${i}` },
    );
  }

  // 3. 911 calls taken to the scene (response times).
  const op = await apiToken(server.base, DEMO.operator);
  for (let i = 0; i < 4; i++) {
    const [, lat, lon] = PLACES[i];
    const inc = await post(server.base, op, '/api/v1/incidents', { category: i % 2 ? 'hurto' : 'robo', lat, lon, priority: i % 2 ? 'P3' : 'P1' });
    for (const status of ['acknowledged', 'dispatched', 'en_route', 'on_scene']) {
      await post(server.base, op, `/api/v1/incidents/${inc.id}/transitions`, { status });
    }
  }

  // 4. A new neighbour's address in San Miguel, approved (adoption).
  const email = `an-e2e-${Date.now()}@example.cl`;
  await post(server.base, '', '/api/v1/auth/register', { email, password: 'una-clave-larga-2026', display_name: 'Vecino Análisis' });
  const me = await apiToken(server.base, { login: email, password: 'una-clave-larga-2026' });
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC',
    'base64',
  );
  const media = await (
    await fetch(`${server.base}/api/v1/media`, { method: 'PUT', headers: { Authorization: `Bearer ${me}`, 'Content-Type': 'image/png' }, body: png })
  ).json();
  const m = await post(server.base, me, '/api/v1/memberships', {
    address: 'Llano Subercaseaux 3500',
    lat: -33.4966,
    lon: -70.6516,
    id_type: 'rut',
    id_number: '12345678-5',
    proof_media_id: media.id,
  });
  const admin = await apiToken(server.base, DEMO.admin);
  await post(server.base, admin, `/api/v1/memberships/${m.id}/approve`, {});
}

/** Waits until no "Cargando…" is left inside the analytics section. */
async function settled(page) {
  await page.waitForFunction(() => {
    const s = document.querySelector('section.analytics');
    return s && !s.textContent.includes('Cargando…');
  }, null, { timeout: 15000 });
}

const cellText = (page, sel) => page.$eval(sel, (el) => el.textContent.trim());

export function analyticsTests({ test, out, axeCheck, binary }) {
  test('analytics pages show the API figures (map, trends, adoption, dark figure, response times)', async ({ browser, server }) => {
    const t0 = Date.now();
    await seed(server, binary);
    const seeded = Date.now() - t0;
    const token = await apiToken(server.base, ANALYST);
    const offset = encodeURIComponent(santiagoOffset());
    const results = {};
    const checks = [`seeded in ${seeded} ms`];
    const step = (text) => checks.push(`${text} (at ${((Date.now() - t0) / 1000).toFixed(1)} s)`);

    const { context, page } = await signedInPage(browser, server.base, ANALYST, { viewport: DESKTOP });
    // The analyst lands on the console; the top bar links to the analytics section.
    await page.click('nav a[href="/analytics"]');
    await page.waitForURL('**/analytics/map');

    // ---- crime map: grid counts, the busiest cell, hot spots ----
    const from = santiagoDay(-89);
    const to = santiagoDay(1);
    const grid = await apiGet(server.base, token, `/api/v1/analytics/map?area=SUR&from=${from}&to=${to}&utc_offset=${offset}&cell=250&format=compact`);
    assert(grid.matched > 0, 'the seeded data gave no incidents in the last 90 days');
    await page.waitForSelector('[data-testid=top-cells] tbody tr', { timeout: 15000 });
    await settled(page);
    const summary = await cellText(page, '.an-summary');
    assert(summary.includes(es(grid.matched)), `map summary "${summary}" lacks the API's ${grid.matched} incidents`);
    const busiest = Math.max(...grid.cells.map((c) => c[2]));
    const firstCount = await cellText(page, '[data-testid=top-cells] tbody tr:first-child td.num');
    assert(firstCount === es(busiest), `busiest cell shows ${firstCount}, the API says ${busiest}`);
    step(`map: ${grid.matched} incidents, busiest 250 m cell ${busiest}`);
    const hotRes = await fetch(`${server.base}/api/v1/analytics/hotspots?area=SUR&from=${from}&to=${to}&utc_offset=${offset}&cell=250&format=compact`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    if (hotRes.ok) {
      const hot = await hotRes.json();
      const hot99 = (hot.cells ?? []).filter((c) => c[5] === 3).length;
      await page.waitForFunction(() => !document.querySelector('.an-legend')?.textContent?.includes('…'));
      const legend = await cellText(page, '.an-legend');
      assert(legend.includes(`Caliente, 99 % de confianza: ${es(hot99)}`), `hot-spot legend "${legend}" lacks ${hot99} cells at 99 %`);
      step(`hotspots: ${hot99} hot cells at 99 %`);
    } else {
      await page.waitForSelector('text=Los puntos calientes no están disponibles');
      step(`hotspots: endpoint answered ${hotRes.status}, page says not available`);
    }
    await page.check('text=Mapa de calor');
    await page.waitForTimeout(1500); // MapLibre draws the layers
    await shoot(page, out, 'desktop-analytics-map');
    await axeCheck(page, 'analytics-map', results);
    // Per-area view: the choropleth's table matches /analytics/areas.
    await page.click('label:has-text("Por área")');
    await page.waitForSelector('[data-testid=area-counts] tbody tr');
    const areas = await apiGet(server.base, token, `/api/v1/analytics/areas?area=SUR&from=${from}&to=${to}&utc_offset=${offset}`);
    const sm = areas.areas.find((a) => a.code === '13130');
    const smRow = await cellText(page, '[data-testid=area-counts] tbody tr:has(th:text-is("San Miguel")) td.num');
    assert(smRow === es(sm.incidents), `San Miguel shows ${smRow} incidents, the API says ${sm.incidents}`);
    await page.waitForTimeout(800);
    await shoot(page, out, 'desktop-analytics-map-areas');

    // ---- trends ----
    await page.click('.an-nav a[href="/analytics/trends"]');
    await page.waitForSelector('[data-testid=trend-current]');
    await settled(page);
    const tr = await apiGet(server.base, token, `/api/v1/analytics/trends?area=SUR&to=${to}&utc_offset=${offset}&days=28&rolling_days=365`);
    const shown = await cellText(page, '[data-testid=trend-current]');
    assert(shown === es(tr.current.count), `trends show ${shown} this period, the API says ${tr.current.count}`);
    await page.waitForSelector('.heat-table');
    // Keyboard: the rolling chart answers the arrow keys with a readout.
    await page.focus('#tr-rolling-title ~ .chart-plot');
    await page.keyboard.press('End');
    const readout = await cellText(page, 'figure[aria-labelledby=tr-rolling-title] .chart-readout');
    const last = tr.rolling[tr.rolling.length - 1];
    assert(readout.endsWith(es(last.rolling_28d)), `rolling chart readout "${readout}" does not end with ${last.rolling_28d}`);
    step(`trends: current ${tr.current.count}, previous ${tr.previous.count}, a year before ${tr.year_before.count}`);
    await shoot(page, out, 'desktop-analytics-trends');
    await axeCheck(page, 'analytics-trends', results);

    // ---- adoption ----
    await page.click('.an-nav a[href="/analytics/adoption"]');
    await page.waitForSelector('[data-testid=adoption-table] tbody tr[data-code="13130"]');
    await settled(page);
    // The page's window: this month so far (local days), `to` the start of tomorrow.
    const monthFrom = `${santiagoDay(0).slice(0, 8)}01`;
    const adFromMs = new Date(`${monthFrom}T00:00:00${santiagoOffsetAt(monthFrom)}`).getTime();
    const adToMs = new Date(`${to}T00:00:00${santiagoOffsetAt(to)}`).getTime();
    const ad = await apiGet(server.base, token, `/api/v1/analytics/adoption?area=SUR&from=${adFromMs}&to=${adToMs}`);
    // Every row as the API has it (the admin scenario may have added neighbourhoods under
    // San Miguel: then 13130 is a parent and sums its children, as docs/analytics.md says).
    const shownRows = await page.$$eval('[data-testid=adoption-table] tbody tr', (rs) => rs.map((r) => r.getAttribute('data-code')));
    assert(shownRows.join(',') === ad.rows.map((r) => r.code).join(','), `adoption rows ${shownRows} differ from the API's ${ad.rows.map((r) => r.code)}`);
    for (const row of ad.rows) {
      for (const [col, value] of [
        ['population', row.population],
        ['registered', row.registered_addresses],
        ['target', row.target],
        ['missing', row.missing],
        ['reports', row.reports],
      ]) {
        const text = await cellText(page, `[data-testid=adoption-table] tr[data-code="${row.code}"] td[data-col=${col}]`);
        assert(text === es(value), `${row.code} ${col}: the page shows ${text}, the API says ${value}`);
      }
    }
    const smAd = ad.rows.find((r) => r.code === '13130');
    if (smAd.leaf) assert(smAd.registered_addresses >= 1, 'the approved membership is not counted in San Miguel');
    step(`adoption: San Miguel population ${smAd.population}, registered ${smAd.registered_addresses}, target ${smAd.target}`);
    await shoot(page, out, 'desktop-analytics-adoption');
    await axeCheck(page, 'analytics-adoption', results);

    // ---- dark figure ----
    await page.click('.an-nav a[href="/analytics/dark-figure"]');
    await page.waitForSelector('[data-testid=dark-table] tbody tr, section.analytics p.muted:text("No hay datos")', { timeout: 15000 });
    await settled(page);
    const dfFrom = (() => {
      const [y, m] = santiagoDay(0).split('-').map(Number);
      const d = new Date(Date.UTC(y, m - 1 - 11, 1));
      return d.toISOString().slice(0, 10);
    })();
    const dfFromMs = new Date(`${dfFrom}T00:00:00${santiagoOffsetAt(dfFrom)}`).getTime();
    const dfToMs = new Date(`${to}T00:00:00${santiagoOffsetAt(to)}`).getTime();
    const df = await apiGet(server.base, token, `/api/v1/analytics/dark-figure?area=SUR&from=${dfFromMs}&to=${dfToMs}&distance_m=500&hours=48`);
    const dfRows = await page.$$eval('[data-testid=dark-table] tbody tr', (rs) => rs.length);
    assert(df.rows.length > 0, 'the dark figure has no rows despite complaints and reports');
    assert(dfRows === df.rows.length, `dark-figure table has ${dfRows} rows, the API ${df.rows.length}`);
    step(`dark figure: ${df.rows.length} month × family rows`);
    await shoot(page, out, 'desktop-analytics-dark-figure');
    await axeCheck(page, 'analytics-dark-figure', results);

    // ---- response times ----
    await page.click('.an-nav a[href="/analytics/response-times"]');
    await page.waitForSelector('[data-testid=response-table] tbody tr', { timeout: 15000 });
    await settled(page);
    const rt = await apiGet(server.base, token, `/api/v1/analytics/response-times?area=SUR&from=${dfFromMs}&to=${dfToMs}&target_s=600`);
    const rtRows = await page.$$eval('[data-testid=response-table] tbody tr', (rs) => rs.length);
    assert(rt.rows.length > 0 && rtRows === rt.rows.length, `response table has ${rtRows} rows, the API ${rt.rows.length}`);
    const count = rt.rows.reduce((n, r) => n + r.count, 0);
    assert(count >= 4, `response times count ${count} incidents, expected the 4 seeded`);
    step(`response times: ${rt.rows.length} rows, ${count} incidents`);
    await shoot(page, out, 'desktop-analytics-response-times');
    await axeCheck(page, 'analytics-response-times', results);
    await context.close();

    // ---- phone ----
    // Phone: every page through the section's own navigation (the top bar is narrow); axe
    // again on the wide adoption table (its scroll box).
    const ph = await signedInPage(browser, server.base, ANALYST, { viewport: PHONE, path: '/analytics/map' });
    for (const [path, name, sel, axe] of [
      ['/analytics/map', 'map', '[data-testid=top-cells] tbody tr', false],
      ['/analytics/trends', 'trends', '.heat-table', false],
      ['/analytics/adoption', 'adoption', '[data-testid=adoption-table]', true],
      ['/analytics/dark-figure', 'dark-figure', '[data-testid=dark-table]', false],
      ['/analytics/response-times', 'response-times', '[data-testid=response-table]', false],
    ]) {
      if (path !== '/analytics/map') await ph.page.click(`.an-nav a[href="${path}"]`);
      await ph.page.waitForSelector(sel, { timeout: 15000 });
      await settled(ph.page);
      await ph.page.waitForTimeout(path.endsWith('map') ? 1500 : 200);
      await shoot(ph.page, out, `phone-analytics-${name}`);
      if (axe) await axeCheck(ph.page, `analytics-${name}-phone`, results);
      step(`phone ${name}`);
    }
    // English: the same page in the second language.
    await ph.page.selectOption('#lang-select', 'en');
    await ph.page.waitForSelector('text=Response times per month, agency and priority');
    await shoot(ph.page, out, 'phone-analytics-response-times-en');
    await ph.page.selectOption('#lang-select', 'es');
    await ph.context.close();
    writeJson(join(out, 'axe-analytics.json'), results);
    for (const c of checks) console.log(`  ${c}`);
  });
}

/** Santiago's UTC offset on a given day ("-03:00" or "-04:00"), for local-midnight bounds. */
function santiagoOffsetAt(day) {
  const noon = new Date(`${day}T12:00:00Z`);
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: TZ, timeZoneName: 'longOffset' }).formatToParts(noon);
  const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT-03:00';
  return name === 'GMT' ? '+00:00' : name.slice(3);
}
