// Real answers against docs/openapi.yaml. The integration suites' API client
// (tests/integration/api_client.cc) appends every reply to <dir>/<pid>.jsonl when CTest
// sets CENTINELA_API_TRANSCRIPT_DIR; this checks each one against the operation of its
// (method, route): a success status must be documented and its JSON body must fit the
// schema of that status; an error status (4xx/5xx) must carry the error envelope of
// `default`. CTest: api_transcript.reset (fixture setup, empties the directory) and
// openapi.answers (fixture cleanup, after every integration test that ran).
//
//   node scripts/openapi-answers.mjs --reset <dir>
//   node scripts/openapi-answers.mjs --transcripts <dir> [--spec ../docs/openapi.yaml]
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deref, loadSpec, matchPath, need, pointerPart } from './openapi-spec.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    reset: { type: 'string' },
    transcripts: { type: 'string' },
    spec: { type: 'string', default: join(here, '../../docs/openapi.yaml') },
  },
});

if (args.reset) {
  rmSync(args.reset, { recursive: true, force: true });
  mkdirSync(args.reset, { recursive: true });
  process.exit(0);
}
if (!args.transcripts) {
  console.error('usage: openapi-answers.mjs --reset <dir> | --transcripts <dir> [--spec docs/openapi.yaml]');
  process.exit(2);
}

const lines = [];
let files = [];
try {
  files = readdirSync(args.transcripts).filter((f) => f.endsWith('.jsonl'));
} catch {
  /* reported below */
}
for (const f of files)
  for (const text of readFileSync(join(args.transcripts, f), 'utf8').split('\n'))
    if (text.trim()) lines.push(JSON.parse(text));
if (lines.length === 0) {
  console.error(
    `no answers recorded in ${args.transcripts}: this check reads what the integration suites ` +
      'received; run it with them (`ctest --test-dir build -L integration`, or with -R <suite>: CTest ' +
      'adds this check after the suites through the api_transcript fixture)',
  );
  process.exit(1);
}

const spec = await loadSpec(args.spec);
const { default: Ajv2020 } = await need('ajv/dist/2020.js');
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false });
ajv.addSchema(spec, 'openapi');
const validators = new Map();
function validator(pointer) {
  if (!validators.has(pointer)) validators.set(pointer, ajv.compile({ $ref: `openapi${pointer}` }));
  return validators.get(pointer);
}

/** The media type of `declared` that `type` (a Content-Type header) is, or null. */
function mediaType(declared, type) {
  const bare = (type ?? '').split(';')[0].trim().toLowerCase();
  for (const d of Object.keys(declared)) {
    if (d === bare || d === '*/*') return d;
    if (d.endsWith('/*') && bare.startsWith(d.slice(0, -1))) return d;
  }
  return null;
}

const problems = new Map(); // one line per distinct problem, with a count
function problem(text) {
  problems.set(text, (problems.get(text) ?? 0) + 1);
}
const seen = new Set();
const succeeded = new Set(); // operations with a success answer checked
let checked = 0;

for (const a of lines) {
  const pathname = new URL(a.target, 'http://x').pathname;
  const template = matchPath(spec, pathname);
  const op = template ? spec.paths[template][a.method.toLowerCase()] : undefined;
  const where = `${a.method} ${template ?? pathname} → ${a.status}`;
  if (!op) {
    // Not a documented operation: only refusals may come from there (unknown paths, wrong
    // methods), and they are still the envelope.
    if (pathname.startsWith('/api/') && a.status < 400) problem(`${where}: a success from an undocumented route`);
    continue;
  }
  seen.add(`${a.method} ${template}`);
  let base;
  let response;
  if (op.responses[String(a.status)]) {
    base = `#/paths/${pointerPart(template)}/${a.method.toLowerCase()}/responses/${a.status}`;
    response = op.responses[String(a.status)];
  } else if (a.status >= 400 && op.responses.default) {
    base = `#/paths/${pointerPart(template)}/${a.method.toLowerCase()}/responses/default`;
    response = op.responses.default;
  } else {
    problem(`${where}: status not documented`);
    continue;
  }
  if (a.status < 400) succeeded.add(`${a.method} ${template}`);
  if (response.$ref) {
    base = response.$ref;
    response = deref(spec, response.$ref);
  }
  checked++;
  const content = response.content ?? {};
  if (Object.keys(content).length === 0) {
    if (a.bytes > 0) problem(`${where}: documented without a body, answered ${a.bytes} bytes`);
    continue;
  }
  const media = mediaType(content, a.content_type);
  if (!media) {
    problem(`${where}: Content-Type '${a.content_type}' not documented (${Object.keys(content).join(', ')})`);
    continue;
  }
  if (!media.includes('json')) continue;
  let body;
  try {
    body = JSON.parse(a.body);
  } catch {
    problem(`${where}: the body is not JSON`);
    continue;
  }
  const validate = validator(`${base}/content/${pointerPart(media)}/schema`);
  if (!validate(body)) {
    const e = validate.errors[0];
    problem(`${where}: ${e.instancePath || '(body)'} ${e.message} (${e.schemaPath})`);
  }
}

const all = Object.entries(spec.paths).flatMap(([path, item]) =>
  Object.keys(item)
    .filter((m) => m !== 'parameters')
    .map((m) => `${m.toUpperCase()} ${path}`),
);
console.log(
  `${lines.length} answers from ${files.length} processes, ${checked} checked against docs/openapi.yaml; ` +
    `${seen.size} of ${all.length} operations seen, ${succeeded.size} with a success answer`,
);
const unproven = all.filter((k) => !succeeded.has(k));
if (unproven.length > 0) console.log(`no success answer recorded for: ${unproven.join(', ')}`);
if (problems.size > 0) {
  console.error(`answers that disagree with docs/openapi.yaml (${problems.size} distinct):`);
  for (const [text, n] of problems) console.error(`  ${text}${n > 1 ? ` (×${n})` : ''}`);
  process.exit(1);
}
