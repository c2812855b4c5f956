// End-to-end tests of the web app against the real server, in Debian's chromium.
// Usage: node e2e/run.mjs --binary build/centinela [--web-dir web/dist] [--out build/e2e]
// Prints one line per test and closes with "N passed, N failed"; exits 1 on any failure.
// Screenshots (phone and desktop) and axe results go to --out.
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import AxeBuilder from '@axe-core/playwright';
import {
  DEMO,
  DESKTOP,
  PHONE,
  apiGet,
  apiToken,
  assert,
  formatCspViolation,
  launchBrowser,
  screenshotDir,
  shoot,
  signedInPage,
  startServer,
  takeCspViolations,
  writeJson,
} from './harness.mjs';
import { registerAdminBroadcast } from './admin_broadcast.mjs';
import { dispatchTests } from './dispatch.mjs';
import { analyticsTests } from './analytics.mjs';
import { totpTests } from './totp.mjs';

const here = new URL('.', import.meta.url).pathname;
const { values: args } = parseArgs({
  options: {
    binary: { type: 'string' },
    'web-dir': { type: 'string', default: resolve(here, '../dist') },
    out: { type: 'string', default: resolve(here, '../../build/e2e') },
    only: { type: 'string' },
  },
});
if (!args.binary) {
  console.error('usage: node e2e/run.mjs --binary PATH [--web-dir DIR] [--out DIR]');
  process.exit(2);
}
const out = screenshotDir(resolve(args.out));

// A small real PNG (the photo the neighbour attaches), made here: a 320x240 gradient.
function crc32(buf) {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
async function photoPng() {
  const w = 320;
  const h = 240;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < w; x++) {
      raw[row + 1 + x * 3] = 40 + Math.round((x / w) * 100);
      raw[row + 2 + x * 3] = 60 + Math.round((y / h) * 90);
      raw[row + 3 + x * 3] = 90 + Math.round(((x + y) / (w + h)) * 120);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

async function myReportCount(base, token) {
  const r = await apiGet(base, token, '/api/v1/reports/mine?limit=200');
  return r.reports.length;
}

// Category → place → details, leaving the page on the details form.
async function alertUpToDetails(page, code) {
  await page.click('.alert-button');
  await page.waitForSelector(`button[data-code="${code}"]`);
  await page.click(`button[data-code="${code}"]`);
  await page.waitForSelector('.alert-flow .btn-primary.btn-block');
  await page.click('.alert-flow .btn-primary.btn-block');
  await page.waitForSelector('#note');
}

async function axeCheck(page, name, results) {
  const r = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    // MapLibre's canvas is not content; its controls are still checked.
    .exclude('.maplibregl-canvas')
    .analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  results[name] = r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
  assert(
    bad.length === 0,
    `${name}: ${bad.map((v) => `${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`).join('; ')}`,
  );
}

const tests = [];
function test(name, fn) {
  tests.push({ name, fn });
}

// First, so every run shows that the policy is sent and enforced and that the violation
// listener the other scenarios rely on reports what the browser blocks.
test('the browser enforces the Content-Security-Policy and the runner sees violations', async ({ browser, server }) => {
  const csp = (await fetch(`${server.base}/`)).headers.get('content-security-policy') ?? '';
  assert(/(^|; )script-src 'self'(;|$)/.test(csp) && !csp.includes('unsafe'), `the app's policy is "${csp}"`);
  const context = await browser.newContext({ viewport: PHONE, locale: 'es-CL', serviceWorkers: 'block' });
  const page = await context.newPage();
  await page.goto(`${server.base}/login`);
  await page.waitForSelector('#login');
  assert(takeCspViolations().length === 0, 'the login page itself violated the policy');
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true;';
    document.body.append(s);
    setTimeout('window.__evalRan = true;', 0); // a string is eval
  });
  await page.waitForTimeout(300);
  const ran = await page.evaluate(() => ({ inline: window.__inlineRan === true, eval: window.__evalRan === true }));
  const seen = takeCspViolations().filter((v) => v.directive !== '(console)');
  await context.close();
  assert(!ran.inline && !ran.eval, `the browser ran what the policy forbids: ${JSON.stringify(ran)}`);
  const directives = seen.map((v) => `${v.directive} ${v.blocked}`).sort();
  assert(
    directives.join(',') === 'script-src eval,script-src-elem inline',
    `expected the inline script and the eval to be reported, got ${JSON.stringify(directives)}`,
  );
});

test('alert with photo reaches the console within 2 s without a reload', async ({ browser, server }) => {
  const op = await signedInPage(browser, server.base, DEMO.operator, { viewport: DESKTOP });
  await op.page.waitForURL('**/console');
  await op.page.waitForSelector('.queue-list, .queue > p.muted');
  await op.page.waitForFunction(() => !document.querySelector('.queue > p.muted')?.textContent?.includes('…'));
  let reloads = 0;
  op.page.on('framenavigated', (f) => {
    if (f === op.page.mainFrame()) reloads += 1;
  });

  const nb = await signedInPage(browser, server.base, DEMO.neighbour, { viewport: PHONE, geolocation: true });
  await nb.page.waitForSelector('.alert-button');
  await shoot(nb.page, out, 'phone-neighbour-home');
  await alertUpToDetails(nb.page, 'robo');
  await nb.page.setInputFiles('#photo', { name: 'foto.png', mimeType: 'image/png', buffer: await photoPng() });
  await nb.page.fill('#note', 'Dos personas en moto, huyeron hacia Gran Avenida.');
  await nb.page.waitForSelector('.photo-preview');
  const clicked = Date.now();
  await nb.page.click('button[type=submit]');
  const link = await nb.page.waitForSelector('a[href^="/mine/"]', { timeout: 10000 });
  const created = Date.now();
  const id = (await link.getAttribute('href')).slice('/mine/'.length);
  await op.page.waitForSelector(`[data-report-id="${id}"]`, { timeout: 5000 });
  const shown = Date.now();
  const ms = shown - created;
  const state = await op.page.getAttribute('[data-testid=stream-state]', 'class');
  console.log(`  console showed report ${id} ${ms} ms after the 201 (${shown - clicked} ms after the click; console ${state})`);
  assert(ms <= 2000, `the console took ${ms} ms (> 2000) to show the alert`);
  assert(reloads === 0, `the console page navigated ${reloads} time(s)`);
  // A new P1 raises the alarm banner.
  await op.page.waitForSelector('.p1-alarm', { timeout: 2000 });
  await shoot(op.page, out, 'desktop-console-p1-alarm');
  // The detail shows the photo (staff covering the area get the media).
  await op.page.click(`[data-report-id="${id}"] button`);
  await op.page.waitForSelector('.detail img.media', { timeout: 5000 });
  const loaded = await op.page.$eval('.detail img.media', (img) => img.complete && img.naturalWidth > 0);
  assert(loaded, 'the photo did not load in the console detail');
  await shoot(op.page, out, 'desktop-console-detail');
  await shoot(nb.page, out, 'phone-alert-sent');
  await nb.page.click('a[href^="/mine/"]');
  await nb.page.waitForSelector('.steps li.current');
  const step = await nb.page.textContent('.steps li.current .step-label');
  assert(/aviso enviado/i.test(step), `timeline shows "${step}", expected "Aviso enviado"`);
  await shoot(nb.page, out, 'phone-my-alert-detail');
  await op.context.close();
  await nb.context.close();
});

test('an alert made offline is sent exactly once when the network returns', async ({ browser, server }) => {
  const token = await apiToken(server.base, DEMO.neighbour);
  const before = await myReportCount(server.base, token);
  const nb = await signedInPage(browser, server.base, DEMO.neighbour, { viewport: PHONE, geolocation: true });
  await nb.page.waitForSelector('.alert-button');
  await alertUpToDetails(nb.page, 'persona_sospechosa');
  await nb.context.setOffline(true);
  await nb.page.fill('#note', 'Sin señal: hombre mirando autos estacionados.');
  await nb.page.click('button[type=submit]');
  await nb.page.waitForSelector('.done-icon.queued', { timeout: 5000 });
  await shoot(nb.page, out, 'phone-alert-queued-offline');
  await nb.page.click('a[href="/"]');
  await nb.page.waitForSelector('[data-testid=outbox-count]');
  await shoot(nb.page, out, 'phone-home-offline-queue');
  await new Promise((r) => setTimeout(r, 1000));
  assert((await myReportCount(server.base, token)) === before, 'the server got the alert while the browser was offline');
  await nb.context.setOffline(false);
  const deadline = Date.now() + 20000;
  while ((await myReportCount(server.base, token)) < before + 1) {
    assert(Date.now() < deadline, 'the queued alert was not sent within 20 s of the network returning');
    await new Promise((r) => setTimeout(r, 200));
  }
  await nb.page.waitForSelector('[data-testid=outbox-count]', { state: 'detached', timeout: 10000 });
  // Let any further retry happen, then check nothing was sent twice.
  await nb.page.evaluate(() => window.dispatchEvent(new Event('online')));
  await new Promise((r) => setTimeout(r, 2500));
  const after = await myReportCount(server.base, token);
  assert(after === before + 1, `expected ${before + 1} reports, found ${after}`);
  const mine = await apiGet(server.base, token, '/api/v1/reports/mine?limit=200');
  const sent = mine.reports.filter((r) => r.description === 'Sin señal: hombre mirando autos estacionados.');
  assert(sent.length === 1, `the offline alert is on the server ${sent.length} times`);
  await nb.context.close();
});

test('axe finds no serious or critical violations (home, alert flow, console, admin)', async ({ browser, server }) => {
  const results = {};
  const nb = await signedInPage(browser, server.base, DEMO.neighbour, { viewport: PHONE, geolocation: true });
  await nb.page.waitForSelector('.alert-button');
  await nb.page.waitForFunction(() => !document.body.textContent?.includes('Cargando…'));
  await axeCheck(nb.page, 'neighbour-home', results);
  await nb.page.click('.alert-button');
  await nb.page.waitForSelector('button[data-code="robo"]');
  await shoot(nb.page, out, 'phone-alert-category');
  await axeCheck(nb.page, 'alert-category', results);
  await nb.page.click('button[data-code="robo"]');
  await nb.page.waitForSelector('.alert-flow .map');
  await nb.page.waitForTimeout(800);
  await shoot(nb.page, out, 'phone-alert-place');
  await axeCheck(nb.page, 'alert-place', results);
  await nb.page.click('.alert-flow .btn-primary.btn-block');
  await nb.page.waitForSelector('#note');
  await shoot(nb.page, out, 'phone-alert-details');
  await axeCheck(nb.page, 'alert-details', results);
  await nb.context.close();

  const op = await signedInPage(browser, server.base, DEMO.operator, { viewport: DESKTOP });
  await op.page.waitForSelector('.queue-list li button');
  await op.page.click('.queue-list li button');
  await op.page.waitForSelector('.detail .facts');
  await axeCheck(op.page, 'console', results);
  await op.context.close();

  const ad = await signedInPage(browser, server.base, DEMO.admin, { viewport: DESKTOP, path: '/admin' });
  await ad.page.waitForSelector('.verif-card, .tab-panel p.muted');
  await ad.page.waitForFunction(() => !document.querySelector('.tab-panel')?.textContent?.includes('Cargando…'));
  await axeCheck(ad.page, 'admin-verification', results);
  await ad.page.click('#tab-areas');
  await ad.page.waitForSelector('table');
  await axeCheck(ad.page, 'admin-areas', results);
  await ad.context.close();
  writeJson(join(out, 'axe.json'), results);
});

test('installable PWA: manifest, service worker, the app opens offline', async ({ browser, server }) => {
  const res = await fetch(`${server.base}/manifest.webmanifest`);
  assert(res.headers.get('content-type') === 'application/manifest+json', `manifest type ${res.headers.get('content-type')}`);
  const manifest = await res.json();
  assert(manifest.display === 'standalone' && manifest.start_url === '/', 'manifest is not a standalone app at /');
  assert(manifest.icons.some((i) => i.sizes === '512x512'), 'manifest lacks a 512 px icon');
  const context = await browser.newContext({ viewport: PHONE, locale: 'es-CL', serviceWorkers: 'allow' });
  const page = await context.newPage();
  await page.goto(`${server.base}/login`);
  await page.fill('#login', DEMO.neighbour.login);
  await page.fill('#password', DEMO.neighbour.password);
  await page.click('button[type=submit]');
  await page.waitForSelector('.alert-button');
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  // Let the worker take control and cache the shell, then cut the network and reload:
  // the signed-in neighbour still gets the alert button (alerts then wait in the outbox).
  await page.reload();
  await page.waitForSelector('.alert-button');
  await page.waitForTimeout(2500); // the idle-time map preload goes through the worker
  await context.setOffline(true);
  await page.reload();
  await page.waitForSelector('.alert-button', { timeout: 5000 });
  await page.waitForSelector('.offline-banner');
  await shoot(page, out, 'phone-neighbour-home-offline');
  // The map chunk was fetched in idle time while online, so the map opens offline too.
  await page.click('nav a[href="/feed"] >> visible=true');
  await page.click('button[role=tab]:nth-child(2)');
  await page.waitForSelector('.maplibregl-canvas', { timeout: 5000 });
  await context.close();
});

test('screenshots of each main page at phone and desktop sizes', async ({ browser, server }) => {
  // A pending membership with a proof document, so the verification queue has an entry.
  const token = await apiToken(server.base, DEMO.neighbour);
  const png = await photoPng();
  const media = await (
    await fetch(`${server.base}/api/v1/media`, { method: 'PUT', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'image/png' }, body: png })
  ).json();
  await fetch(`${server.base}/api/v1/memberships`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ address: 'Gran Avenida José Miguel Carrera 5400', lat: -33.4966, lon: -70.6516, id_type: 'rut', id_number: '11111111-1', proof_media_id: media.id }),
  });

  // A few alerts around the precinct, so every screen has content even when run alone.
  const samples = [
    ['luminaria_apagada', -33.5302, -70.6641, 'Tres postes apagados en el pasaje.'],
    ['microbasural', -33.5801, -70.6305, 'Escombros y colchones en la esquina.'],
    ['ruidos_molestos', -33.4982, -70.6412, null],
    ['accidente_transito', -33.5542, -70.6502, 'Choque entre auto y moto, hay un herido.'],
  ];
  for (const [category, lat, lon, description] of samples) {
    const r = await fetch(`${server.base}/api/v1/reports`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Idempotency-Key': `shot-${category}` },
      body: JSON.stringify({ category, lat, lon, ...(description ? { description } : {}) }),
    });
    assert(r.status === 201 || r.status === 200, `sample report ${category}: ${r.status}`);
  }

  for (const [size, viewport] of [['phone', PHONE], ['desktop', DESKTOP]]) {
    const anon = await browser.newContext({ viewport, locale: 'es-CL', serviceWorkers: 'block' });
    const lp = await anon.newPage();
    await lp.goto(`${server.base}/login`);
    await lp.waitForSelector('#login');
    await shoot(lp, out, `${size}-login`);
    await lp.goto(`${server.base}/register`);
    await lp.waitForSelector('#new-password');
    await shoot(lp, out, `${size}-register`);
    // A new neighbour registers and lands on the alert button, signed in.
    await lp.fill('#name', 'Marta Rojas');
    await lp.fill('#contact', `marta-${size}-${Date.now()}@example.cl`);
    await lp.fill('#new-password', 'una-clave-larga-2026');
    await lp.click('button[type=submit]');
    await lp.waitForSelector('.alert-button', { timeout: 10000 });
    await anon.close();

    const nb = await signedInPage(browser, server.base, DEMO.neighbour, { viewport, geolocation: true });
    for (const [path, name, sel] of [
      ['/', 'home', '.alert-button'],
      ['/mine', 'my-alerts', '.card-list'],
      ['/feed', 'feed', '.segmented'],
      ['/family', 'family', '#family-contact'],
      ['/membership', 'membership', '.notice, form'],
    ]) {
      await nb.page.click(`nav a[href="${path}"] >> visible=true`);
      await nb.page.waitForSelector(sel);
      await nb.page.waitForTimeout(300);
      await shoot(nb.page, out, `${size}-neighbour-${name}`);
    }
    await nb.page.click('nav a[href="/feed"] >> visible=true');
    await nb.page.click('button[role=tab]:nth-child(2)');
    await nb.page.waitForTimeout(1200);
    await shoot(nb.page, out, `${size}-neighbour-feed-map`);
    await nb.page.selectOption('#lang-select', 'en');
    await nb.page.click('nav a[href="/"] >> visible=true');
    await nb.page.waitForSelector('.alert-button');
    const text = await nb.page.textContent('.alert-text');
    assert(text === 'Alert', `English home button says "${text}"`);
    await shoot(nb.page, out, `${size}-neighbour-home-en`);
    await nb.page.selectOption('#lang-select', 'es');
    await nb.context.close();

    const op = await signedInPage(browser, server.base, DEMO.operator, { viewport });
    await op.page.waitForSelector('.queue-list li');
    await op.page.waitForTimeout(1200);
    await shoot(op.page, out, `${size}-console`);
    await op.context.close();

    const ad = await signedInPage(browser, server.base, DEMO.admin, { viewport, path: '/admin' });
    await ad.page.waitForSelector('.verif-card');
    await ad.page.waitForSelector('.verif-proof img.media', { timeout: 5000 }).catch(() => undefined);
    await shoot(ad.page, out, `${size}-admin-verification`);
    await ad.page.click('#tab-areas');
    await ad.page.waitForSelector('table');
    await ad.page.waitForTimeout(500);
    await shoot(ad.page, out, `${size}-admin-areas`);
    await ad.page.click('#tab-categories');
    await ad.page.waitForSelector('table');
    await shoot(ad.page, out, `${size}-admin-categories`);
    await ad.context.close();
  }
});

dispatchTests({ test, out, photoPng, alertUpToDetails, axeCheck });

registerAdminBroadcast(test, { out, axeCheck, photoPng });

// On a server of its own (auth.require_totp_for_staff), so the shared one keeps plain sign-in.
totpTests({ test, out, axeCheck, binary: resolve(args.binary), webDir: resolve(args['web-dir']) });

// Last: it seeds complaints, reports and incidents the other scenarios do not expect.
analyticsTests({ test, out, axeCheck, binary: resolve(args.binary) });

const started = Date.now();
const server = await startServer({ binary: resolve(args.binary), webDir: resolve(args['web-dir']) });
const browser = await launchBrowser();
let passed = 0;
let failed = 0;
try {
  for (const t of tests) {
    if (args.only && !t.name.includes(args.only)) continue;
    const t0 = Date.now();
    takeCspViolations();
    try {
      await t.fn({ browser, server });
      // A page that runs only because the policy was loosened is a failure, as is one the
      // policy broke: the scenario fails on any violation, naming directive and URI.
      const violations = takeCspViolations();
      assert(
        violations.length === 0,
        `${violations.length} Content-Security-Policy violation(s):\n    ${violations.map(formatCspViolation).join('\n    ')}`,
      );
      passed += 1;
      console.log(`ok   ${t.name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed += 1;
      console.log(`FAIL ${t.name} (${Date.now() - t0} ms)\n  ${e instanceof Error ? e.stack : e}`);
      for (const v of takeCspViolations()) console.log(`  [csp] ${formatCspViolation(v)}`);
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
if (failed > 0) console.log(`server log (tail):\n${server.log.join('').split('\n').slice(-30).join('\n')}`);
console.log(`e2e: screenshots and axe.json in ${out}; ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
