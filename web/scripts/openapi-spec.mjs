// Reading docs/openapi.yaml for the checks that keep it honest (openapi-routes.mjs against
// the router's table, openapi-answers.mjs against real answers). Needs web/node_modules
// (`cd web && npm ci`).
import { readFileSync } from 'node:fs';

export const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Imports a package of web/node_modules, failing with what to run when it is missing. */
export async function need(name) {
  try {
    return await import(name);
  } catch (e) {
    console.error(`cannot load the npm package '${name}' (${e.message}): run \`cd web && npm ci\``);
    process.exit(2);
  }
}

export async function loadSpec(path) {
  const { parse } = await need('yaml');
  return parse(readFileSync(path, 'utf8'));
}

/** Every operation: {method: 'GET', path: '/api/v1/x/{id}', op, item}. */
export function operations(spec) {
  const out = [];
  for (const [path, item] of Object.entries(spec.paths ?? {}))
    for (const m of METHODS) if (item[m]) out.push({ method: m.toUpperCase(), path, op: item[m], item });
  return out;
}

/** The path parameters an operation declares (its own and its path item's). */
export function pathParams(spec, item, op) {
  const names = new Set();
  for (const p of [...(item.parameters ?? []), ...(op.parameters ?? [])]) {
    const q = p.$ref ? deref(spec, p.$ref) : p;
    if (q?.in === 'path') names.add(q.name);
  }
  return names;
}

/** The object a local "#/a/b" reference points to (undefined when it points nowhere). */
export function deref(spec, ref) {
  if (!ref.startsWith('#/')) return undefined;
  let at = spec;
  for (const part of ref.slice(2).split('/')) {
    at = at?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return at;
}

/** Escapes one JSON-pointer segment. */
export function pointerPart(s) {
  return String(s).replaceAll('~', '~0').replaceAll('/', '~1');
}

/** How `pathname` fits the template, as src/http/router.cc ranks it: one character per
 *  segment (3 literal, 2 `{param}`), compared lexicographically so the first differing
 *  depth decides; empty segments are dropped. null when it does not fit. */
function fit(template, pathname) {
  const t = template.split('/').filter(Boolean);
  const p = pathname.split('/').filter(Boolean);
  if (t.length !== p.length) return null;
  let rank = '';
  for (let i = 0; i < t.length; i++) {
    if (/^\{[^}]+\}$/.test(t[i])) rank += '2';
    else if (t[i] === p[i]) rank += '3';
    else return null;
  }
  return rank;
}

/** The documented path template `pathname` is served by (literal segments win over
 *  parameters: /units/mine before /units/{id}), or null. */
export function matchPath(spec, pathname) {
  let best = null;
  let bestRank = null;
  for (const template of Object.keys(spec.paths ?? {})) {
    const rank = fit(template, pathname);
    if (rank !== null && (bestRank === null || rank > bestRank)) {
      best = template;
      bestRank = rank;
    }
  }
  return best;
}
