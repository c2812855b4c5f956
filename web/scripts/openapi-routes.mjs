// docs/openapi.yaml against the router's table (`centinela routes --format json`): every
// route documented, nothing documented that is not served, and who may call each route
// stated as the table states it. CTest: openapi.routes.
//
//   node scripts/openapi-routes.mjs --binary build/centinela [--spec ../docs/openapi.yaml]
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadSpec, operations, pathParams } from './openapi-spec.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    binary: { type: 'string' },
    spec: { type: 'string', default: join(here, '../../docs/openapi.yaml') },
  },
});
if (!args.binary) {
  console.error('usage: openapi-routes.mjs --binary <path to centinela> [--spec docs/openapi.yaml]');
  process.exit(2);
}

const routes = JSON.parse(execFileSync(args.binary, ['routes', '--format', 'json'], { encoding: 'utf8' }));
const spec = await loadSpec(args.spec);
const documented = new Map(operations(spec).map((o) => [`${o.method} ${o.path}`, o]));
const problems = [];
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const sorted = (list) => [...list].sort();

for (const r of routes) {
  const key = `${r.method} ${r.pattern}`;
  const doc = documented.get(key);
  if (!doc) {
    problems.push(`${key}: served but not documented in docs/openapi.yaml`);
    continue;
  }
  documented.delete(key);
  const { op, item } = doc;
  const security = op.security ?? spec.security;
  if (r.caller === 'public') {
    if (!same(op.security, [])) problems.push(`${key}: public route, needs \`security: []\``);
  } else if (r.caller === 'device') {
    if (!same(security, [{ deviceKey: [] }])) problems.push(`${key}: device route, needs \`security: [{deviceKey: []}]\``);
    if (op['x-device'] !== r.device) problems.push(`${key}: x-device should be ${r.device}`);
  } else {
    const anonymous = (security ?? []).some((s) => Object.keys(s).length === 0);
    if (!(security ?? []).some((s) => 'bearer' in s)) problems.push(`${key}: signed-in route, needs the bearer scheme`);
    if (anonymous !== Boolean(r.public_when))
      problems.push(
        r.public_when
          ? `${key}: public when {${r.public_when.param}} ends in ${r.public_when.suffix}: security needs {} beside bearer`
          : `${key}: signed-in route documented as callable without credentials`,
      );
    if (r.public_when && !same(op['x-public-when'], r.public_when))
      problems.push(`${key}: x-public-when should be ${JSON.stringify(r.public_when)}`);
    if (!same(sorted(op['x-roles'] ?? []), sorted(r.roles)))
      problems.push(`${key}: x-roles should be [${r.roles.join(', ')}], is [${(op['x-roles'] ?? []).join(', ')}]`);
    if (r.roles.length > 0 && op['x-area'] !== r.area) problems.push(`${key}: x-area should be ${r.area}, is ${op['x-area']}`);
    if (Boolean(op['x-hidden']) !== r.hidden) problems.push(`${key}: x-hidden should be ${r.hidden}`);
    if (Boolean(op['x-enrolment-token']) !== r.enrolment_token)
      problems.push(`${key}: x-enrolment-token should be ${r.enrolment_token}`);
  }
  if ((op['x-upgrade'] ?? null) !== (r.upgrade ?? null)) problems.push(`${key}: x-upgrade should be ${r.upgrade ?? 'absent'}`);
  const wanted = new Set([...r.pattern.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]));
  const declared = pathParams(spec, item, op);
  for (const name of wanted) if (!declared.has(name)) problems.push(`${key}: path parameter {${name}} not declared`);
  for (const name of declared) if (!wanted.has(name)) problems.push(`${key}: declares path parameter ${name} the pattern lacks`);
  if (!op.responses || !Object.keys(op.responses).some((s) => /^[1-3]\d\d$/.test(s)))
    problems.push(`${key}: no success response documented`);
  if (!op.responses?.default) problems.push(`${key}: no default (error envelope) response`);
}
for (const key of documented.keys()) problems.push(`${key}: documented but not served (not in \`centinela routes\`)`);

if (problems.length > 0) {
  console.error(`docs/openapi.yaml disagrees with the router's table (${problems.length}):`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`docs/openapi.yaml documents the ${routes.length} routes of \`centinela routes\`, and nothing else`);
