// Administration calls (docs/api.md, Accounts / Areas / Categories): users and their area
// grants, area creation (GeoJSON import) and edits, category routing.
import { qs, request, type Schemas } from './client';

/** A user as GET /users lists it (docs/openapi.yaml, generated in schema.d.ts). */
export type User = Schemas['User'];

export const ROLES = ['neighbour', 'operator', 'responder', 'analyst', 'admin', 'deanonymise'] as const;
export const AGENCIES = ['police', 'fire', 'medical', 'civil_protection', 'municipal', 'armed_forces'] as const;
/** The task families a support-only agency (armed_forces) may be given (auth::AgencyTable()). */
export const SUPPORT_FAMILIES: readonly string[] = ['logistics', 'disaster', 'border'];
/** The server refuses armed_forces on any other family (422); the editor does not offer it. */
export function agencyAllowed(agency: string, family: string): boolean {
  return agency !== 'armed_forces' || SUPPORT_FAMILIES.includes(family);
}
export const AREA_KINDS = ['region', 'precinct', 'sector', 'neighbourhood'] as const;

export type NewArea = Schemas['NewArea'];

export type CategoryPatch = Schemas['CategoryPatch'];

export const adminApi = {
  users: (params: { q?: string; limit?: number; offset?: number } = {}) =>
    request<{ users: User[]; limit: number; offset: number }>('GET', `/api/v1/users${qs(params)}`),
  addGrant: (userId: string, g: { role: string; area?: string }) =>
    request<User>('POST', `/api/v1/users/${encodeURIComponent(userId)}/grants`, g),
  removeGrant: (userId: string, g: { role: string; area?: string | null }) =>
    request<User>(
      'DELETE',
      `/api/v1/users/${encodeURIComponent(userId)}/grants${qs({ role: g.role, area: g.area ?? undefined })}`,
    ),
  createArea: (a: NewArea) => request<Schemas['Area']>('POST', '/api/v1/areas', a),
  patchArea: (code: string, patch: { population?: number; name?: string; agencies?: string[] }) =>
    request<Schemas['Area']>('PATCH', `/api/v1/areas/${encodeURIComponent(code)}`, patch),
  patchCategory: (code: string, patch: CategoryPatch) =>
    request<Schemas['Category']>('PATCH', `/api/v1/categories/${encodeURIComponent(code)}`, patch),
};

/** One feature of an imported file, read into an area (or the reason it cannot be). */
export interface ImportRow {
  index: number;
  area: NewArea | null;
  problem: string | null;
}

const CODE_KEYS = ['code', 'CODE', 'cod', 'CUT', 'cut', 'COD_COM', 'cod_comuna', 'id'];
const NAME_KEYS = ['name', 'NAME', 'nombre', 'NOMBRE', 'NOM_COM', 'comuna'];
const POP_KEYS = ['population', 'poblacion', 'POBLACION', 'pop'];

function pick(props: Record<string, unknown>, keys: string[]): unknown {
  for (const k of keys) if (props[k] !== undefined && props[k] !== null && props[k] !== '') return props[k];
  return undefined;
}

/** Reads a GeoJSON FeatureCollection of areas. `defaults` fill kind and parent when a
 *  feature's properties do not name them. Throws on a file that is not a FeatureCollection. */
export function readAreaCollection(text: string, defaults: { kind: string; parent: string }): ImportRow[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('json');
  }
  const fc = doc as { type?: unknown; features?: unknown };
  if (!fc || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) throw new Error('collection');
  return fc.features.map((f: unknown, index: number): ImportRow => {
    const feat = f as { type?: unknown; properties?: Record<string, unknown> | null; geometry?: { type?: unknown; coordinates?: unknown } | null };
    if (!feat || feat.type !== 'Feature') return { index, area: null, problem: 'not_feature' };
    const props = feat.properties ?? {};
    const code = pick(props, CODE_KEYS);
    const name = pick(props, NAME_KEYS);
    if (code === undefined) return { index, area: null, problem: 'no_code' };
    if (typeof name !== 'string') return { index, area: null, problem: 'no_name' };
    const g = feat.geometry;
    if (!g || (g.type !== 'Polygon' && g.type !== 'MultiPolygon')) return { index, area: null, problem: 'no_polygon' };
    const area: NewArea = {
      code: String(code),
      name,
      kind: typeof props.kind === 'string' ? props.kind : defaults.kind,
      geometry: { type: g.type, coordinates: g.coordinates },
    };
    const parent = typeof props.parent === 'string' ? props.parent : defaults.parent;
    if (parent) area.parent = parent;
    const pop = Number(pick(props, POP_KEYS));
    if (Number.isFinite(pop) && pop >= 0) area.population = Math.round(pop);
    if (Array.isArray(props.agencies)) area.agencies = props.agencies.filter((a): a is string => typeof a === 'string');
    return { index, area, problem: null };
  });
}
