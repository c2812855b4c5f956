// The e2e harness: starts the real `centinela serve --demo` on a free loopback port with a
// temporary data directory and the built web app, drives Debian's chromium through
// playwright-core, and offers small helpers the tests share.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const DEMO = {
  admin: { login: 'admin@centinela.demo', password: 'demo-admin-2026' },
  operator: { login: 'operador@centinela.demo', password: 'demo-operador-2026' },
  neighbour: { login: 'vecina@centinela.demo', password: 'demo-vecina-2026' },
};
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1440, height: 900 };
// San Miguel, inside the demo's South Precinct.
export const SAN_MIGUEL = { latitude: -33.4966, longitude: -70.6516 };

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export async function startServer({ binary, webDir, env = {} }) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'centinela-e2e-'));
  const log = [];
  const child = spawn(binary, ['serve', '--demo', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`], {
    env: {
      ...process.env,
      CENTINELA_WEB_DIR: webDir,
      CENTINELA_LOG_ACCESS: 'false',
      // The tests send more alerts per minute than one neighbour may.
      CENTINELA_REPORTS_MAX_PER_MINUTE: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => log.push(String(d)));
  child.stderr.on('data', (d) => log.push(String(d)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${log.join('')}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`server did not answer /healthz:\n${log.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    log,
    dataDir, // for CLI commands against the same database (e.g. import complaints)
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            r();
          }, 10000);
          child.on('exit', () => {
            clearTimeout(timer);
            r();
          });
        });
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// Every Content-Security-Policy violation reported by a page of any context, in order; the
// runner fails the scenario during which one arrived (takeCspViolations).
const cspViolations = [];

/** The violations reported since the last call, forgetting them; repeats counted once. */
export function takeCspViolations() {
  const seen = new Map();
  for (const v of cspViolations.splice(0)) {
    const key = formatCspViolation(v);
    seen.set(key, { ...v, count: (seen.get(key)?.count ?? 0) + 1 });
  }
  return [...seen.values()];
}

export function formatCspViolation(v) {
  const times = v.count > 1 ? ` (${v.count} times)` : '';
  return `${v.directive} blocked ${v.blocked || '(inline)'} on ${v.page}${v.source ? ` from ${v.source}` : ''}${v.sample ? ` sample "${v.sample}"` : ''}${times}`;
}

// Listens in every page of `context` for securitypolicyviolation (document, capture phase,
// before the app's own scripts run) and reports each one to the runner through a binding.
// The browser's own "Refused to ..." console errors are recorded too, since a violation
// inside a worker (MapLibre's, the service worker) is not dispatched on the document.
async function watchCsp(context) {
  await context.exposeBinding('__centinelaCspViolation', ({ page }, v) => {
    cspViolations.push({ ...v, page: page ? page.url() : '?' });
  });
  await context.addInitScript(() => {
    document.addEventListener(
      'securitypolicyviolation',
      (e) => {
        window.__centinelaCspViolation({
          directive: e.effectiveDirective || e.violatedDirective,
          blocked: e.blockedURI,
          source: e.sourceFile ? `${e.sourceFile}:${e.lineNumber}:${e.columnNumber}` : '',
          sample: e.sample,
        });
      },
      true,
    );
  });
  context.on('console', (m) => {
    const text = m.text();
    if (m.type() === 'error' && /Content Security Policy/.test(text) && !text.includes('report-only')) {
      // The first sentence names the action and the directive; the rest is advice.
      const what = text.split('. ')[0];
      cspViolations.push({ directive: '(console)', blocked: what, page: m.page()?.url() ?? '?', source: '' });
    }
  });
}

export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: process.env.CENTINELA_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--disable-dev-shm-usage',
      // WebGL (MapLibre) through the software rasteriser.
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  // Every context a scenario opens watches for policy violations.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await watchCsp(context);
    return context;
  };
  return browser;
}

/** A signed-in page in its own context (phone or desktop size). */
export async function signedInPage(browser, base, who, { viewport = DESKTOP, geolocation = false, path = null } = {}) {
  const context = await browser.newContext({
    viewport,
    deviceScaleFactor: 1,
    locale: 'es-CL',
    timezoneId: 'America/Santiago',
    serviceWorkers: 'block',
    ...(geolocation ? { geolocation: SAN_MIGUEL, permissions: ['geolocation'] } : {}),
    ...(viewport === PHONE ? { isMobile: true, hasTouch: true } : {}),
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`  [page error] ${e.message}`));
  await page.goto(`${base}/login`);
  await page.fill('#login', who.login);
  await page.fill('#password', who.password);
  await page.click('button[type=submit]');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  if (path) await page.goto(`${base}${path}`);
  return { context, page };
}

/** A bearer token straight from the API (for checks the UI does not make). */
export async function apiToken(base, who) {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(who),
  });
  if (!r.ok) throw new Error(`login failed: ${r.status}`);
  return (await r.json()).token;
}

export async function apiGet(base, token, path) {
  const r = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

export function screenshotDir(out) {
  mkdirSync(out, { recursive: true });
  return out;
}

export async function shoot(page, out, name) {
  await page.screenshot({ path: join(out, `${name}.png`), fullPage: false });
}

export function writeJson(path, value) {
  writeFileSync(path, JSON.stringify(value, null, 2));
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}
