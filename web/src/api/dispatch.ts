// The command centre's part of the HTTP API: incidents (911 calls and escalated alerts),
// their timeline, duplicates and merge, recommendations and dispatch; units, the crew's
// own unit and its moves; a unit's trail. Types follow src/api/incidents_api.cc,
// units_api.cc and positions_api.cc.
import { request, type TimelineStep } from './client';

export type IncidentStatus = 'new' | 'acknowledged' | 'dispatched' | 'en_route' | 'on_scene' | 'resolved' | 'closed';
export type UnitStatus = 'available' | 'assigned' | 'en_route' | 'on_scene' | 'out_of_service';
export const UNIT_KINDS = ['patrol_car', 'motorbike', 'foot', 'ambulance', 'engine', 'municipal_crew'] as const;
export const OUTCOMES = [
  'arrest',
  'assistance_given',
  'no_finding',
  'false_alarm',
  'referred',
  'report_taken',
  'resolved_on_site',
  'unable_to_locate',
] as const;

/** A timeline step as staff see it: also whether it is public and who wrote it. */
export interface IncidentStep extends TimelineStep {
  public?: boolean;
  actor_id?: string;
}

export interface AssignedUnit {
  unit_id: string;
  callsign: string;
  assigned_at: string | null;
  accepted_at: string | null;
  released_at: string | null;
}

export interface Incident {
  id: string;
  category: string;
  family: string;
  sensitivity: 'public' | 'restricted';
  priority: string; // "P1".."P4"
  status: IncidentStatus;
  outcome: string | null;
  source: 'report' | 'call';
  lat: number;
  lon: number;
  address: string | null;
  description: string | null;
  areas: string[];
  agencies: string[];
  reports: string[];
  created_by: string;
  merged_into: string | null;
  created_at: string;
  updated_at: string;
  caller: { name: string; phone: string } | null;
  response_times: Record<string, string | number | null>;
  steps?: IncidentStep[];
  units?: AssignedUnit[];
}

export interface Recommendation {
  unit_id: string;
  callsign: string;
  agency: string;
  kind: string;
  distance_m: number;
  eta_s: number;
}

export interface Duplicate {
  kind: 'incident' | 'report';
  id: string;
  category: string;
  distance_m: number;
  created_at: string;
}

export interface Assignment {
  incident_id: string;
  category: string;
  priority: string;
  status: IncidentStatus;
  lat: number;
  lon: number;
  address: string | null;
  description: string | null;
  assigned_at: string | null;
  accepted_at: string | null;
}

export interface Unit {
  id: string;
  callsign: string;
  agency: string;
  kind: string;
  capabilities: string[];
  home_area: string;
  status: UnitStatus;
  incident_id: string | null;
  crew: string[];
  position: { lat: number; lon: number; at: string } | null;
  stale: boolean;
  created_at: string;
  updated_at: string;
  /** Only from /units/mine. */
  assignment?: Assignment | null;
}

export interface Trail {
  type: 'Feature';
  geometry: { type: 'LineString'; coordinates: Array<[number, number]> };
  properties: { unit_id: string; callsign: string; from: string; to: string; points: number; times: string[] };
}

export interface NewCall {
  category: string;
  lat: number;
  lon: number;
  priority?: string;
  address?: string;
  caller_name?: string;
  caller_phone?: string;
  notes?: string;
}

export interface StepInput {
  note?: string;
  media_id?: string;
  public?: boolean;
}

const enc = encodeURIComponent;
const inc = (id: string) => `/api/v1/incidents/${enc(id)}`;
const unit = (id: string) => `/api/v1/units/${enc(id)}`;

/** "P1" → 1 (4 when unreadable). */
export function priorityNumber(p: string | number): number {
  if (typeof p === 'number') return p;
  const n = Number(p.replace(/^P/i, ''));
  return n >= 1 && n <= 4 ? n : 4;
}

/** The statuses an incident may move to from `from`, as the server's state machine allows
 *  (src/dispatch/state.cc). Dispatched is reached through dispatch, not listed here. */
export function nextStatuses(from: IncidentStatus): IncidentStatus[] {
  switch (from) {
    case 'new':
      return ['acknowledged', 'closed'];
    case 'acknowledged':
      return ['closed'];
    case 'dispatched':
      return ['en_route'];
    case 'en_route':
      return ['on_scene'];
    case 'on_scene':
      return ['resolved'];
    case 'resolved':
      return ['closed', 'acknowledged'];
    case 'closed':
      return ['acknowledged'];
  }
}

export function isReopen(from: IncidentStatus, to: IncidentStatus): boolean {
  return (from === 'closed' || from === 'resolved') && to === 'acknowledged';
}

export const dispatchApi = {
  incidents: (params: { status?: string; limit?: number } = {}) => {
    const q = new URLSearchParams();
    if (params.status) q.set('status', params.status);
    q.set('limit', String(params.limit ?? 200));
    return request<{ incidents: Incident[]; next_cursor: string | null }>('GET', `/api/v1/incidents?${q}`);
  },
  incident: (id: string) => request<Incident>('GET', inc(id)),
  createCall: (c: NewCall) => request<Incident>('POST', '/api/v1/incidents', c),
  escalate: (reportId: string, body: { priority?: string; note?: string } = {}) =>
    request<Incident>('POST', `/api/v1/reports/${enc(reportId)}/escalate`, body),
  transition: (id: string, body: { status: IncidentStatus; outcome?: string; reason?: string } & StepInput) =>
    request<Incident>('POST', `${inc(id)}/transitions`, body),
  addStep: (id: string, body: { kind: 'contacted' | 'note' } & StepInput) => request<Incident>('POST', `${inc(id)}/steps`, body),
  duplicates: (id: string) =>
    request<{ duplicates: Duplicate[]; radius_m: number; window_s: number }>('GET', `${inc(id)}/duplicates`),
  merge: (id: string, body: { incidents: string[]; reports: string[] }) => request<Incident>('POST', `${inc(id)}/merge`, body),
  recommendations: (id: string, k = 5) =>
    request<{ incident_id: string; agencies: string[]; units: Recommendation[] }>('GET', `${inc(id)}/recommendations?k=${k}`),
  dispatch: (id: string, unitId: string, note?: string) =>
    request<Incident & { dispatched_unit: { id: string; callsign: string; status: string } }>('POST', `${inc(id)}/dispatch`, {
      unit_id: unitId,
      ...(note ? { note } : {}),
    }),
  units: () => request<{ units: Unit[] }>('GET', '/api/v1/units'),
  myUnits: () => request<{ units: Unit[] }>('GET', '/api/v1/units/mine'),
  accept: (id: string) => request<Unit>('POST', `${unit(id)}/accept`),
  moveUnit: (id: string, status: Exclude<UnitStatus, 'assigned'>, step: StepInput = {}) =>
    request<Unit>('POST', `${unit(id)}/status`, { status, ...step }),
  trail: (id: string, fromMs?: number) =>
    request<Trail>('GET', `${unit(id)}/trail${fromMs !== undefined ? `?from=${fromMs}` : ''}`),
};
