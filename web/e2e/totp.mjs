// The staff second factor in the browser, on a server of its own started with
// auth.require_totp_for_staff: the demo operator signs in, lands on the enrolment page,
// adds the shown secret (the code is computed here, RFC 6238), confirms, sees the recovery
// codes once, signs out, and signs in again with password and code to reach the console.
// Registered from run.mjs: totpTests({ test, out, axeCheck, binary, webDir }).
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { DEMO, DESKTOP, assert, shoot, startServer, writeJson } from './harness.mjs';

/** RFC 4648 base32 (no padding needed) to bytes. */
export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The RFC 6238 code (HMAC-SHA-1, 30 s, 6 digits) of `secret` at `ms`. */
export function totpCode(secret, ms = Date.now(), period = 30, digits = 6) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 1000 / period)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(bin).padStart(digits, '0');
}

export function totpTests({ test, out, axeCheck, binary, webDir }) {
  test('staff second factor: enrol on first sign-in, recovery codes, then sign in with a code', async ({ browser }) => {
    // RFC 6238 test vector (SHA-1, T=59 s): the code maker is right before the UI relies on it.
    assert(totpCode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59000, 30, 8) === '94287082', 'RFC 6238 vector at T=59');

    const axeResults = {};
    const server = await startServer({ binary, webDir, env: { CENTINELA_AUTH_REQUIRE_TOTP_FOR_STAFF: 'true' } });
    const context = await browser.newContext({ viewport: DESKTOP, deviceScaleFactor: 1, locale: 'es-CL', timezoneId: 'America/Santiago', serviceWorkers: 'block' });
    try {
      const page = await context.newPage();
      page.on('pageerror', (e) => console.log(`  [page error] ${e.message}`));
      const login = async () => {
        await page.goto(`${server.base}/login`);
        await page.fill('#login', DEMO.operator.login);
        await page.fill('#password', DEMO.operator.password);
        await page.click('button[type=submit]');
      };

      // 1. Password right, no TOTP yet: the enrol-only token opens the enrolment page only.
      await login();
      await page.waitForURL((u) => u.pathname === '/totp');
      await page.waitForSelector('#totp-secret');
      const shown = (await page.textContent('#totp-secret')).trim();
      assert(/^([A-Z2-7]{4} )*[A-Z2-7]{1,4}$/.test(shown), `the secret is shown in groups of four: "${shown}"`);
      const secret = shown.replace(/\s/g, '');
      const uri = await page.getAttribute('#totp-uri', 'href');
      assert(uri.startsWith('otpauth://totp/') && uri.includes(`secret=${secret}`), `otpauth URI: ${uri}`);
      const input = page.locator('#totp-code');
      assert((await input.getAttribute('autocomplete')) === 'one-time-code', 'the code field has autocomplete=one-time-code');
      assert((await input.getAttribute('inputmode')) === 'numeric', 'the code field has inputmode=numeric');
      await shoot(page, out, 'desktop-totp-enrol');
      await axeCheck(page, 'totp-enrol', axeResults);

      // A wrong first code is refused with a message, and the page stays.
      await page.fill('#totp-code', totpCode(secret) === '000000' ? '111111' : '000000');
      await page.click('form button[type=submit]');
      await page.waitForSelector('.notice-error');
      const wrong = await page.textContent('.notice-error');
      assert(/no coincide/i.test(wrong), `wrong code message: "${wrong}"`);

      // 2. The right code: recovery codes, shown once.
      await page.fill('#totp-code', totpCode(secret));
      await page.click('form button[type=submit]');
      await page.waitForSelector('.totp-recovery-codes li');
      const codes = await page.$$eval('.totp-recovery-codes code', (els) => els.map((e) => e.textContent.trim()));
      assert(codes.length === 10 && codes.every((c) => /^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/.test(c)), `recovery codes: ${codes.join(', ')}`);
      await shoot(page, out, 'desktop-totp-recovery-codes');
      await axeCheck(page, 'totp-recovery-codes', axeResults);

      // 3. "Ya los guardé" signs the enrol-only token out.
      await page.click('#totp-saved');
      await page.waitForURL((u) => u.pathname === '/login');
      await page.waitForSelector('#login');

      // 4. Password alone now asks for the code; a wrong one says so in Spanish.
      await login();
      await page.waitForSelector('#totp');
      const field = page.locator('#totp');
      assert((await field.getAttribute('autocomplete')) === 'one-time-code', 'login code field: autocomplete=one-time-code');
      assert((await field.getAttribute('inputmode')) === 'numeric', 'login code field: inputmode=numeric');
      assert((await page.textContent('label[for=totp]')).includes('Código de verificación'), 'the field is labelled "Código de verificación"');
      await page.waitForSelector('#totp-switch');
      assert((await page.textContent('#totp-switch')).includes('Usar un código de recuperación'), 'the recovery code link');
      await shoot(page, out, 'desktop-login-totp');
      await axeCheck(page, 'login-totp', axeResults);
      await page.fill('#totp', '999999' === totpCode(secret) ? '888888' : '999999');
      await page.click('button[type=submit]');
      await page.waitForSelector('.notice-error');
      const invalid = await page.textContent('.notice-error');
      assert(/no es válido/i.test(invalid), `totp_invalid message: "${invalid}"`);

      // The recovery field is one click away (and back).
      await page.click('#totp-switch');
      await page.waitForSelector('#recovery-code');
      await page.click('#totp-switch');
      await page.waitForSelector('#totp');

      // 5. Password and a code: the console. A code works once and the enrolment used the
      // current step's, so sign in with the next step's (one step either side is accepted).
      const now = totpCode(secret, Date.now() + 30000);
      await page.fill('#totp', now);
      await page.click('button[type=submit]');
      await page.waitForURL((u) => u.pathname === '/console', { timeout: 15000 });
      await page.waitForSelector('main#main');

      // 6. A recovery code signs in once; the same one again is refused.
      for (const expectOk of [true, false]) {
        await page.click('.topbar-tools button');
        await page.waitForURL((u) => u.pathname === '/login');
        await login();
        await page.waitForSelector('#totp-switch');
        await page.click('#totp-switch');
        await page.fill('#recovery-code', codes[0]);
        assert((await page.inputValue('#recovery-code')) === codes[0], 'the recovery code field takes the whole code');
        await page.click('button[type=submit]');
        if (expectOk) {
          await Promise.race([page.waitForURL((u) => u.pathname === '/console', { timeout: 15000 }), page.waitForSelector('.notice-error', { timeout: 15000 })]);
          const refused = await page.$('.notice-error');
          assert(!refused, `a fresh recovery code was refused: "${refused && (await refused.textContent())}"`);
        } else {
          await page.waitForSelector('.notice-error');
          const used = await page.textContent('.notice-error');
          assert(/recuperación no es válido/i.test(used), `reused recovery code message: "${used}"`);
        }
      }
      writeJson(join(out, 'axe-totp.json'), axeResults);
    } finally {
      await context.close();
      await server.stop();
    }
  });
}
