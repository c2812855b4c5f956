// Broadcasts (src/api/broadcasts_api.cc): operators send a CAP-described warning to areas or
// to a drawn polygon; everyone signed in lists the active ones. The CAP 1.2 document of each
// (/api/v1/broadcasts/{id}.cap) and the Atom feed (/api/v1/broadcasts.atom) are public.
import { request, type Schemas } from './client';

export const CAP_SEVERITIES = ['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'] as const;
export const CAP_URGENCIES = ['Immediate', 'Expected', 'Future', 'Past', 'Unknown'] as const;
export const CAP_CERTAINTIES = ['Observed', 'Likely', 'Possible', 'Unlikely', 'Unknown'] as const;
export const CAP_CATEGORIES = [
  'Safety',
  'Security',
  'Rescue',
  'Fire',
  'Health',
  'Env',
  'Transport',
  'Infra',
  'Geo',
  'Met',
  'CBRNE',
  'Other',
] as const;

export type Severity = (typeof CAP_SEVERITIES)[number];

// The types are generated from docs/openapi.yaml (client.ts, schema.d.ts).
/** A GeoJSON Polygon: one closed outer ring of [lon, lat]. */
export type PolygonGeometry = Schemas['PolygonGeometry'];
export type Broadcast = Schemas['Broadcast'];
export type NewBroadcast = Schemas['NewBroadcast'];

export const broadcastsApi = {
  list: (all = false) =>
    request<{ broadcasts: Broadcast[] }>('GET', `/api/v1/broadcasts${all ? '?active=false' : ''}`),
  get: (id: string) => request<Broadcast>('GET', `/api/v1/broadcasts/${encodeURIComponent(id)}`),
  send: (b: NewBroadcast) => request<Broadcast>('POST', '/api/v1/broadcasts', b),
};

export const ATOM_URL = '/api/v1/broadcasts.atom';
export function capUrl(b: Broadcast): string {
  return b.cap_url ?? `/api/v1/broadcasts/${encodeURIComponent(b.id)}.cap`;
}

/** A broadcast from a stream event's data (broadcast.sent), or null when it is not one. */
export function broadcastFromEvent(data: Record<string, unknown> | undefined): Broadcast | null {
  if (!data || typeof data.id !== 'string' || typeof data.headline !== 'string') return null;
  const str = (k: string) => (typeof data[k] === 'string' ? (data[k] as string) : '');
  let polygon: PolygonGeometry | null = null;
  const p = data.polygon;
  // The event carries the ring as [[lon, lat], ...]; the REST answer as a GeoJSON Polygon.
  if (Array.isArray(p)) polygon = { type: 'Polygon', coordinates: [p as number[][]] };
  else if (p && typeof p === 'object' && (p as PolygonGeometry).type === 'Polygon') polygon = p as PolygonGeometry;
  return {
    id: data.id,
    headline: data.headline,
    body: str('body'),
    instruction: typeof data.instruction === 'string' ? data.instruction : null,
    severity: str('severity') || 'Unknown',
    urgency: str('urgency') || 'Unknown',
    certainty: str('certainty') || 'Unknown',
    category: str('category') || 'Safety',
    areas: Array.isArray(data.areas) ? (data.areas.filter((a) => typeof a === 'string') as string[]) : [],
    polygon,
    expires_at: str('expires_at'),
    headline_en: str('headline_en') || null,
    body_en: str('body_en') || null,
    instruction_en: str('instruction_en') || null,
    created_at: typeof data.created_at === 'string' ? data.created_at : new Date().toISOString(),
  };
}

/** Ray casting: is [lon, lat] inside the ring (closed or not)? */
export function pointInRing(lon: number, lat: number, ring: number[][]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function isActive(b: Broadcast, now = Date.now()): boolean {
  const t = Date.parse(b.expires_at);
  return Number.isNaN(t) || t > now;
}
