// The analytics API (docs/crime-map.md, docs/analytics.md, docs/api.md "Analytics"): typed
// answers and one function per route. Dates are sent as YYYY-MM-DD with the browser's UTC
// offset, so days, hours and weekdays are the user's local ones.
import { qs, request, type Schemas } from './client';

export type Source = 'both' | 'formal' | 'informal';

/** The filters every crime-map route takes. */
export interface CrimeFilter {
  area?: string;
  from?: string; // YYYY-MM-DD, local midnight
  to?: string; // exclusive
  categories?: string[];
  families?: string[];
  source?: Source;
}

// The answers' types are generated from docs/openapi.yaml (client.ts, schema.d.ts); the
// hotspot types below are what parseHotspots reads the answer into.
export type GridMeta = Schemas['GridMeta'];
export type CompactGrid = Schemas['CompactGrid'];
export type AreaCount = Schemas['AreaCount'];
export type WeekMatrix = Schemas['WeekMatrix'];
export type Period = Schemas['Period'];
export type Trends = Schemas['Trends'];
export type AdoptionRow = Schemas['AdoptionRow'];
export type AdoptionTable = Schemas['AdoptionTable'];
export type DarkFigureRow = Schemas['DarkFigureRow'];
export type DarkFigure = Schemas['DarkFigure'];
export type ResponseRow = Schemas['ResponseRow'];
export type ResponseTimes = Schemas['ResponseTimes'];

/** One hotspot cell: Gi* z-score, p-value and its confidence bin (±3 = 99 %, ±2 = 95 %,
 *  ±1 = 90 %, 0 = not significant). */
export interface HotspotCell {
  ix: number;
  iy: number;
  count: number;
  z: number | null;
  p: number | null;
  bin: number;
}
/** GET /api/v1/analytics/hotspots (format=compact): the significant cells with the grid,
 *  the distance band and the FDR thresholds used. */
export interface Hotspots extends Partial<GridMeta> {
  cells: HotspotCell[];
  band_m?: number;
  fdr?: boolean;
  study_cells?: number;
  hot?: number;
  cold?: number;
  /** The same cells as polygons, when the server sends GeoJSON. */
  features?: GeoJSON.Feature[];
}

/** The browser's offset from UTC now, as the API wants it: "-03:00". */
export function utcOffset(at: Date = new Date()): string {
  const minutes = -at.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function filterParams(f: CrimeFilter): Record<string, string | undefined> {
  return {
    area: f.area,
    from: f.from,
    to: f.to,
    categories: f.categories?.length ? f.categories.join(',') : undefined,
    families: f.families?.length ? f.families.join(',') : undefined,
    source: f.source && f.source !== 'both' ? f.source : undefined,
    utc_offset: utcOffset(),
  };
}

/** Epoch ms of a local YYYY-MM-DD date's midnight (the window routes' bounds). */
export function localMidnightMs(day: string): number {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y!, m! - 1, d!).getTime();
}

export const analytics = {
  grid: (f: CrimeFilter, cell: number) =>
    request<CompactGrid>('GET', `/api/v1/analytics/map${qs({ ...filterParams(f), cell, format: 'compact' })}`),
  areas: (f: CrimeFilter) => request<{ areas: AreaCount[] }>('GET', `/api/v1/analytics/areas${qs(filterParams(f))}`),
  matrix: (f: CrimeFilter) => request<WeekMatrix>('GET', `/api/v1/analytics/matrix${qs(filterParams(f))}`),
  trends: (f: CrimeFilter, days: number, rollingDays = 365) =>
    request<Trends>('GET', `/api/v1/analytics/trends${qs({ ...filterParams(f), days, rolling_days: rollingDays })}`),
  hotspots: (f: CrimeFilter, cell: number) =>
    request<unknown>('GET', `/api/v1/analytics/hotspots${qs({ ...filterParams(f), cell, format: 'compact' })}`).then(parseHotspots),
  adoption: (area: string, from?: string, to?: string) =>
    request<AdoptionTable>(
      'GET',
      `/api/v1/analytics/adoption${qs({ area, from: from && localMidnightMs(from), to: to && localMidnightMs(to) })}`,
    ),
  darkFigure: (area: string, from: string, to: string, opts: { distance_m?: number; hours?: number } = {}) =>
    request<DarkFigure>(
      'GET',
      `/api/v1/analytics/dark-figure${qs({ area, from: localMidnightMs(from), to: localMidnightMs(to), ...opts })}`,
    ),
  responseTimes: (area: string, from: string, to: string, targetS?: number) =>
    request<ResponseTimes>(
      'GET',
      `/api/v1/analytics/response-times${qs({ area, from: localMidnightMs(from), to: localMidnightMs(to), target_s: targetS })}`,
    ),
};

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The hotspot answer: compact cells `[ix, iy, count, z, p, bin]` (objects are read too) or
 *  a GeoJSON FeatureCollection whose properties carry the bin. */
export function parseHotspots(raw: unknown): Hotspots {
  const o = (raw ?? {}) as Record<string, unknown>;
  const meta: Partial<GridMeta> = {};
  if (typeof o.cell_m === 'number') meta.cell_m = o.cell_m;
  if (o.origin && typeof o.origin === 'object') meta.origin = o.origin as GridMeta['origin'];
  if (typeof o.cell_dlat === 'number') meta.cell_dlat = o.cell_dlat;
  if (typeof o.cell_dlon === 'number') meta.cell_dlon = o.cell_dlon;
  if (typeof o.matched === 'number') meta.matched = o.matched;
  const cells: HotspotCell[] = [];
  const binOf = (p: Record<string, unknown>): number =>
    num(p.bin) ?? num(p.gi_bin) ?? num(p.confidence_bin) ?? 0;
  if (Array.isArray(o.cells)) {
    for (const c of o.cells as unknown[]) {
      if (Array.isArray(c)) {
        const six = c.length >= 6;
        cells.push({ ix: Number(c[0]), iy: Number(c[1]), count: Number(c[2] ?? 0), z: num(c[3]), p: six ? num(c[4]) : null, bin: Number((six ? c[5] : c[4]) ?? 0) });
      } else if (c && typeof c === 'object') {
        const p = c as Record<string, unknown>;
        cells.push({ ix: Number(p.ix), iy: Number(p.iy), count: num(p.count) ?? 0, z: num(p.z), p: num(p.p), bin: binOf(p) });
      }
    }
  }
  const out: Hotspots = { ...meta, cells };
  for (const k of ['band_m', 'study_cells', 'hot', 'cold'] as const) if (typeof o[k] === 'number') out[k] = o[k] as number;
  if (typeof o.fdr === 'boolean') out.fdr = o.fdr;
  if (Array.isArray(o.features)) {
    out.features = (o.features as GeoJSON.Feature[]).map((f) => ({
      ...f,
      properties: { ...(f.properties ?? {}), bin: binOf((f.properties ?? {}) as Record<string, unknown>) },
    }));
  }
  return out;
}
