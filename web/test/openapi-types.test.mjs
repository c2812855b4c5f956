// The web app's API types (src/api/schema.d.ts) are what openapi-typescript makes of
// docs/openapi.yaml today: run by CTest (web.unit); `npm run api-types` rewrites the file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const web = fileURLToPath(new URL('..', import.meta.url));

test('src/api/schema.d.ts is generated from docs/openapi.yaml (run `npm run api-types`)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'centinela-api-types-'));
  try {
    const fresh = join(dir, 'schema.d.ts');
    execFileSync(
      process.execPath,
      [join(web, 'node_modules/openapi-typescript/bin/cli.js'), join(web, '../docs/openapi.yaml'), '-o', fresh],
      { cwd: web, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const committed = readFileSync(join(web, 'src/api/schema.d.ts'), 'utf8');
    assert.ok(
      readFileSync(fresh, 'utf8') === committed,
      'web/src/api/schema.d.ts is stale: run `cd web && npm run api-types` and commit the result',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
