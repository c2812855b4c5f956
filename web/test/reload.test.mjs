// Unit test of the console's reload filter (web/src/realtime/reload.ts), run by CTest
// (web.unit): the TypeScript is transpiled in memory with the project's own compiler.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import ts from 'typescript';

const src = readFileSync(new URL('../src/realtime/reload.ts', import.meta.url), 'utf8');
const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText;
const { reportReloadFor } = await import('data:text/javascript,' + encodeURIComponent(js));

test('a deanonymised read (an audit event) reloads nothing: no read → event → read loop', () => {
  assert.deepEqual(reportReloadFor({ type: 'report.deanonymised_read', data: { report_id: 'r1', reader: 'A' } }), { kind: 'none' });
});

test('changes to a report reload that report', () => {
  assert.deepEqual(reportReloadFor({ type: 'report.created', data: { id: 'r1' } }), { kind: 'one', id: 'r1' });
  assert.deepEqual(reportReloadFor({ type: 'report.confirmed', data: { report_id: 'r2' } }), { kind: 'one', id: 'r2' });
  assert.deepEqual(reportReloadFor({ type: 'report.step', data: { report_id: 'r3', step_id: 's' } }), { kind: 'one', id: 'r3' });
});

test('a report event without an id reloads the list; other events are not report reloads', () => {
  assert.deepEqual(reportReloadFor({ type: 'report.confirmed', data: {} }), { kind: 'all' });
  assert.deepEqual(reportReloadFor({ type: 'incident.step', data: { report_id: 'r1' } }), { kind: 'none' });
});
