// The command centre's part of the HTTP API: incidents (911 calls and escalated alerts),
// their timeline, duplicates and merge, recommendations and dispatch; units, the crew's
// own unit and its moves; a unit's trail. Types follow src/api/incidents_api.cc,
// units_api.cc and positions_api.cc.
// The resource types are generated from docs/openapi.yaml (client.ts, schema.d.ts).
import { request, type Schemas } from './client';

export type IncidentStatus = Schemas['IncidentStatus'];
export type UnitStatus = Schemas['UnitStatus'];
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
export type IncidentStep = Schemas['IncidentStep'];
export type AssignedUnit = Schemas['AssignedUnit'];
export type Incident = Schemas['Incident'];
export type Recommendation = Schemas['Recommendation'];
export type Duplicate = Schemas['Duplicate'];
export type Assignment = Schemas['Assignment'];
export type Unit = Schemas['Unit'];
export type Trail = Schemas['Trail'];
export type NewCall = Schemas['NewCall'];
export type StepInput = Schemas['StepInput'];

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
