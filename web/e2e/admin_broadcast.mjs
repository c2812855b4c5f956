// Broadcasts and administration in the browser: an operator picks an area (and draws a
// polygon) and sends warnings; a verified neighbour of that area sees the warning arrive
// without a reload, and does not get one sent to another comuna among "for your area";
// an admin imports areas from GeoJSON, edits a population and a category's routing, and
// grants and removes a role; axe on each page; phone and desktop screenshots.
// Registered from run.mjs: registerAdminBroadcast(test, { out, axeCheck, photoPng }).
import { join } from 'node:path';
import { DEMO, DESKTOP, PHONE, apiGet, apiToken, assert, shoot, signedInPage, writeJson } from './harness.mjs';

const PASSWORD = 'clave-de-prueba-2026';
// A home in San Miguel (13130), as the membership request places it.
const HOME = { lat: -33.4966, lon: -70.6516 };

async function call(base, token, method, path, body) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: r.status, json, text };
}

/** A new neighbour, verified (membership approved by the admin) in the area of HOME. */
async function verifiedNeighbour(base, adminToken, photoPng, tag) {
  const login = `${tag}-${Date.now()}@example.cl`;
  const reg = await fetch(`${base}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: login, password: PASSWORD, display_name: 'Rosa Vecina' }),
  });
  assert(reg.status === 201, `register ${login}: ${reg.status}`);
  const token = await apiToken(base, { login, password: PASSWORD });
  const media = await (
    await fetch(`${base}/api/v1/media`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'image/png' },
      body: await photoPng(),
    })
  ).json();
  const m = await call(base, token, 'POST', '/api/v1/memberships', {
    address: 'Llano Subercaseaux 3500',
    lat: HOME.lat,
    lon: HOME.lon,
    id_type: 'rut',
    id_number: '11111111-1',
    proof_media_id: media.id,
  });
  assert(m.status === 201, `membership request: ${m.status} ${m.text}`);
  const ok = await call(base, adminToken, 'POST', `/api/v1/memberships/${m.json.id}/approve`);
  assert(ok.status === 200, `approve: ${ok.status} ${ok.text}`);
  const me = await apiGet(base, token, '/api/v1/me');
  assert((me.verified_neighbourhoods ?? []).includes(m.json.area), `not verified in ${m.json.area}: ${JSON.stringify(me)}`);
  return { who: { login, password: PASSWORD }, token, area: m.json.area, id: me.id };
}

async function openComposer(browser, base, viewport) {
  const op = await signedInPage(browser, base, DEMO.operator, { viewport });
  await op.page.click('nav a[href="/console/broadcasts"] >> visible=true').catch(() => op.page.goto(`${base}/console/broadcasts`));
  await op.page.waitForSelector('#bc-headline');
  await op.page.waitForSelector('.bc-area-list input[type=checkbox]');
  await op.page.waitForSelector('[data-testid=broadcast-map][data-ready=true]', { timeout: 30000 });
  return op;
}

async function fillMessage(page, { headline, body, instruction }) {
  await page.fill('#bc-headline', headline);
  await page.fill('#bc-body', body);
  if (instruction) await page.fill('#bc-instruction', instruction);
}

export function registerAdminBroadcast(test, { out, axeCheck, photoPng }) {
  test('an operator sends a broadcast to an area; a verified neighbour there sees it live', async ({ browser, server }) => {
    const base = server.base;
    const adminToken = await apiToken(base, DEMO.admin);
    const nbr = await verifiedNeighbour(base, adminToken, photoPng, 'aviso');
    const results = {};

    const nb = await signedInPage(browser, base, nbr.who, { viewport: PHONE });
    await nb.page.click('nav a[href="/broadcasts"] >> visible=true');
    await nb.page.waitForSelector('[data-testid=bc-none], [data-testid=bc-mine]');
    let reloads = 0;
    nb.page.on('framenavigated', (f) => {
      if (f === nb.page.mainFrame()) reloads += 1;
    });

    const op = await openComposer(browser, base, DESKTOP);
    await axeCheck(op.page, 'broadcast-composer', results);
    const headline = `Corte de luz programado ${Date.now() % 100000}`;
    await op.page.check(`#bc-area-${nbr.area}`);
    await fillMessage(op.page, {
      headline,
      body: 'Trabajos en la red eléctrica entre Gran Avenida y Llano Subercaseaux.',
      instruction: 'Desconecte equipos sensibles.',
    });
    await op.page.click('.bc-english summary');
    await op.page.fill('#bc-headline-en', 'Planned power cut');
    await op.page.fill('#bc-body-en', 'Works on the power network.');
    await op.page.selectOption('#bc-severity', 'Severe');
    await op.page.selectOption('#bc-urgency', 'Immediate');
    await op.page.selectOption('#bc-certainty', 'Observed');
    await op.page.selectOption('#bc-category', 'Infra');
    await op.page.click('.bc-hours button:nth-child(2)'); // 3 h
    const preview = await op.page.textContent('[data-testid=bc-preview]');
    assert(preview.includes(headline) && preview.includes('Grave'), `preview lacks the headline or severity: ${preview}`);
    await shoot(op.page, out, 'desktop-broadcast-composer');
    const sentAt = Date.now();
    await op.page.click('#bc-send');
    await op.page.waitForSelector('[data-testid=bc-sent-ok]', { timeout: 30000 });

    // The neighbour's page shows it without a reload, with the notice on screen.
    await nb.page.waitForSelector(`[data-testid=bc-mine] .bc-card:has-text("${headline}")`, { timeout: 5000 });
    const ms = Date.now() - sentAt;
    await nb.page.waitForSelector('[data-testid=broadcast-toast]', { timeout: 2000 });
    const cls = await nb.page.getAttribute(`[data-testid=bc-mine] .bc-card:has-text("${headline}")`, 'class');
    assert(cls.includes('sev-severe'), `card class "${cls}" lacks the severity style`);
    assert(reloads === 0, `the neighbour page navigated ${reloads} time(s)`);
    console.log(`  neighbour saw the broadcast ${ms} ms after the send click`);
    await shoot(nb.page, out, 'phone-neighbour-broadcasts');
    await axeCheck(nb.page, 'neighbour-broadcasts', results);

    // The sent list links the CAP document, which names the area and carries the text.
    await op.page.waitForSelector(`.bc-sent-list .bc-card:has-text("${headline}") [data-testid=cap-link]`);
    const capHref = await op.page.getAttribute(`.bc-sent-list .bc-card:has-text("${headline}") [data-testid=cap-link]`, 'href');
    const cap = await fetch(`${base}${capHref}`);
    const capText = await cap.text();
    assert(cap.status === 200 && (cap.headers.get('content-type') ?? '').startsWith('application/cap+xml'), `CAP ${cap.status} ${cap.headers.get('content-type')}`);
    assert(capText.includes(headline) && capText.includes('<severity>Severe</severity>') && capText.includes(`<value>${nbr.area}</value>`), 'CAP lacks headline/severity/area');
    assert(
      capText.includes('<language>en-US</language>') && capText.includes('<headline>Planned power cut</headline>') && capText.includes('Works on the power network.'),
      'CAP lacks the English <info>',
    );
    const atomHref = await op.page.getAttribute('[data-testid=atom-link]', 'href');
    const atom = await fetch(`${base}${atomHref}`);
    assert(atom.status === 200 && (await atom.text()).includes(headline), 'the Atom feed lacks the broadcast');

    // A warning for another comuna (La Cisterna) is not among "for your area".
    const other = `Aviso para La Cisterna ${Date.now() % 100000}`;
    await op.page.check('#bc-area-13109');
    await fillMessage(op.page, { headline: other, body: 'Solo para La Cisterna.' });
    await op.page.click('#bc-send');
    await op.page.waitForSelector(`[data-testid=bc-sent-ok]:has-text("${other}")`, { timeout: 30000 });
    await nb.page.waitForTimeout(1500);
    const mine = await nb.page.textContent('[data-testid=bc-mine]');
    assert(!mine.includes(other), 'a broadcast to La Cisterna is listed for a San Miguel neighbour');

    // Draw a polygon: four clicks around the map's centre, close, send.
    await op.page.click('#bc-mode-draw');
    const canvas = op.page.locator('[data-testid=broadcast-map] .maplibregl-canvas');
    await canvas.scrollIntoViewIfNeeded();
    const box = await canvas.boundingBox();
    const cx = box.width / 2;
    const cy = box.height / 2;
    for (const [dx, dy] of [[-30, -30], [30, -30], [30, 30], [-30, 30]]) {
      await canvas.click({ position: { x: cx + dx, y: cy + dy } });
      await op.page.waitForTimeout(150); // one click each, not a double-click zoom
    }
    await op.page.waitForFunction(() => document.querySelector('[data-testid=bc-vertex-count]')?.textContent?.startsWith('4'), null, { timeout: 5000 });
    await op.page.click('#bc-close-polygon');
    const drawn = `Zona dibujada ${Date.now() % 100000}`;
    await fillMessage(op.page, { headline: drawn, body: 'Operativo policial en la zona marcada.' });
    await op.page.selectOption('#bc-severity', 'Moderate');
    await shoot(op.page, out, 'desktop-broadcast-polygon');
    await op.page.click('#bc-send');
    await op.page.waitForSelector(`[data-testid=bc-sent-ok]:has-text("${drawn}")`, { timeout: 30000 });
    const list = await call(base, adminToken, 'GET', '/api/v1/broadcasts');
    const poly = list.json.broadcasts.find((b) => b.headline === drawn);
    assert(poly && poly.polygon && poly.polygon.coordinates[0].length === 5 && poly.areas.length === 0, `drawn broadcast: ${JSON.stringify(poly)}`);
    await op.context.close();
    await nb.context.close();

    // Phone and desktop views of the composer and the neighbour's list.
    const opPhone = await openComposer(browser, base, PHONE);
    await shoot(opPhone.page, out, 'phone-broadcast-composer');
    await opPhone.context.close();
    const nbDesk = await signedInPage(browser, base, nbr.who, { viewport: DESKTOP, path: '/broadcasts' });
    await nbDesk.page.waitForSelector('[data-testid=bc-mine]');
    await shoot(nbDesk.page, out, 'desktop-neighbour-broadcasts');
    await nbDesk.context.close();
    writeJson(join(out, 'axe-broadcast.json'), results);
  });

  test('admin: import areas, edit population and routing, grant and remove a role', async ({ browser, server }) => {
    const base = server.base;
    const adminToken = await apiToken(base, DEMO.admin);
    const results = {};
    const login = `rol-${Date.now()}@example.cl`;
    const reg = await fetch(`${base}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: login, password: PASSWORD, display_name: 'Pedro Operador' }),
    });
    assert(reg.status === 201, `register: ${reg.status}`);
    const user = await reg.json();

    const ad = await signedInPage(browser, base, DEMO.admin, { viewport: DESKTOP, path: '/admin' });
    // Users and roles: find the user, give operator over San Miguel, then take it away.
    await ad.page.click('#tab-users');
    await ad.page.waitForSelector('.user-list, .tab-panel p.muted');
    await ad.page.fill('#user-search', login);
    await ad.page.click('form[role=search] button[type=submit]');
    const card = `.user-card[data-email="${login}"]`;
    await ad.page.waitForSelector(card);
    await ad.page.click(`${card} .user-head button`);
    await ad.page.selectOption(`#grant-role-${user.id}`, 'operator');
    await ad.page.selectOption(`#grant-area-${user.id}`, '13130');
    await ad.page.click(`${card} .grant-form button[type=submit]`);
    await ad.page.waitForSelector(`${card} [data-grant="operator@13130"]`);
    let u = await apiGet(base, adminToken, `/api/v1/users/${user.id}`);
    assert(u.roles.some((g) => g.role === 'operator' && g.area === '13130'), `grant not stored: ${JSON.stringify(u.roles)}`);
    await shoot(ad.page, out, 'desktop-admin-users');
    await axeCheck(ad.page, 'admin-users', results);
    await ad.page.click(`${card} [data-grant="operator@13130"] .chip-remove`);
    await ad.page.waitForSelector(`${card} [data-grant="operator@13130"]`, { state: 'detached' });
    u = await apiGet(base, adminToken, `/api/v1/users/${user.id}`);
    assert(!u.roles.some((g) => g.role === 'operator'), `grant not removed: ${JSON.stringify(u.roles)}`);

    // Areas: population of San Miguel, then a GeoJSON import with two good features and
    // two bad ones (no code; a self-crossing ring the server refuses).
    await ad.page.click('#tab-areas');
    await ad.page.waitForSelector('#pop-13130');
    const before = await apiGet(base, adminToken, '/api/v1/areas/13130');
    const population = (before.population ?? 0) + 17;
    await ad.page.fill('#pop-13130', String(population));
    await ad.page.click('tr[data-area="13130"] .pop-edit button[type=submit]');
    await ad.page.waitForSelector('tr[data-area="13130"] .ok-text');
    const after = await apiGet(base, adminToken, '/api/v1/areas/13130');
    assert(after.population === population, `population ${after.population}, expected ${population}`);
    const tag = Date.now() % 100000;
    const square = (lon, lat, d) => ({ type: 'Polygon', coordinates: [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]] });
    const fc = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { code: `E2E-A-${tag}`, name: 'Villa Prueba Norte', population: 1200 }, geometry: square(-70.6455, -33.5062, 0.0015) },
        { type: 'Feature', properties: { code: `E2E-B-${tag}`, name: 'Villa Prueba Sur', population: 900 }, geometry: square(-70.6455, -33.5080, 0.0015) },
        { type: 'Feature', properties: { name: 'Sin código' }, geometry: square(-70.6430, -33.5080, 0.001) },
        {
          type: 'Feature',
          properties: { code: `E2E-X-${tag}`, name: 'Cruzada' },
          geometry: { type: 'Polygon', coordinates: [[[-70.644, -33.507], [-70.643, -33.506], [-70.643, -33.507], [-70.644, -33.506], [-70.644, -33.507]]] },
        },
      ],
    };
    await ad.page.selectOption('#import-kind', 'neighbourhood');
    await ad.page.selectOption('#import-parent', '13130');
    await ad.page.setInputFiles('#import-file', { name: 'villas.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(fc)) });
    await ad.page.waitForSelector('[data-testid=import-summary]');
    await ad.page.click('#import-run');
    await ad.page.waitForSelector('[data-testid=import-result]', { timeout: 10000 });
    const result = await ad.page.textContent('[data-testid=import-result]');
    assert(/2 áreas creadas, 2 con errores/.test(result), `import result "${result}"`);
    const errors = await ad.page.$$eval('[data-testid=import-errors] li', (lis) => lis.map((li) => li.textContent));
    assert(errors.length === 2 && errors.some((e) => e.includes(`E2E-X-${tag}`)), `import errors ${JSON.stringify(errors)}`);
    const made = await apiGet(base, adminToken, `/api/v1/areas/E2E-A-${tag}`);
    assert(made.parent === '13130' && made.kind === 'neighbourhood' && made.population === 1200, `imported area ${JSON.stringify(made)}`);
    await shoot(ad.page, out, 'desktop-admin-areas-import');
    await axeCheck(ad.page, 'admin-areas-import', results);

    // Categories: route "microbasural" also to the police, then put it back.
    await ad.page.click('#tab-categories');
    await ad.page.waitForSelector('tr[data-category="microbasural"]');
    const cat0 = (await apiGet(base, adminToken, '/api/v1/categories')).categories.find((c) => c.code === 'microbasural');
    await ad.page.click('tr[data-category="microbasural"] button');
    await ad.page.waitForSelector('#cat-ag-microbasural-police');
    // The armed forces take support tasks only: not offered for a city-service category.
    assert(await ad.page.isDisabled('#cat-ag-microbasural-armed_forces'), 'armed_forces offered for a city_service category');
    assert(!(await ad.page.isDisabled('#cat-ag-microbasural-police')), 'police not offered');
    await axeCheck(ad.page, 'admin-categories-edit', results);
    await shoot(ad.page, out, 'desktop-admin-category-edit');
    if (!(await ad.page.isChecked('#cat-ag-microbasural-police'))) await ad.page.check('#cat-ag-microbasural-police');
    await ad.page.click('tr.editing .btn-primary');
    await ad.page.waitForSelector('tr.editing', { state: 'detached' });
    const cat1 = (await apiGet(base, adminToken, '/api/v1/categories')).categories.find((c) => c.code === 'microbasural');
    assert(cat1.agencies.includes('police'), `routing not saved: ${JSON.stringify(cat1)}`);
    const back = await call(base, adminToken, 'PATCH', '/api/v1/categories/microbasural', { agencies: cat0.agencies });
    assert(back.status === 200, `restore category: ${back.status}`);
    await ad.context.close();

    const phone = await signedInPage(browser, base, DEMO.admin, { viewport: PHONE, path: '/admin' });
    await phone.page.click('#tab-users');
    await phone.page.waitForSelector('.user-card');
    await shoot(phone.page, out, 'phone-admin-users');
    await phone.page.click('#tab-areas');
    await phone.page.waitForSelector('#import-file');
    await shoot(phone.page, out, 'phone-admin-areas-import');
    await phone.context.close();
    writeJson(join(out, 'axe-admin.json'), results);
  });
}
