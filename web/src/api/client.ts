// One typed client for the HTTP API (docs/api.md, docs/openapi.yaml). Every call carries the bearer token;
// errors come back as ApiError with the server's envelope code, network failures as
// NetworkError (so the offline queue can tell "try later" from "refused").

// The resource types are generated from docs/openapi.yaml (`npm run api-types` writes
// schema.d.ts; web/test/openapi-types.test.mjs fails when it is stale).
import type { components } from './schema';

/** Every schema of docs/openapi.yaml, by name. */
export type Schemas = components['schemas'];

export type Grant = Schemas['Grant'];
/** An account as the users routes and the sign-in answer give it. */
export type User = Schemas['User'];
export type Me = Schemas['Me'];
/** The answer to a sign-in; an enrol-only token (staff who must enrol TOTP first) says so. */
export type LoginResult = Schemas['LoginResult'];
/** A second factor given at sign-in: the current TOTP code or a recovery code. */
export type SecondFactor = Schemas['SecondFactor'];
export type TotpEnrolment = Schemas['TotpEnrolment'];
export type Labels = Schemas['Labels'];
export type Category = Schemas['Category'];
/** A report as its viewer sees it; the detail adds `thread` and `incident`. */
export type Report = Schemas['ReportDetail'];
export type TimelineStep = Schemas['TimelineStep'];
export type Comment = Schemas['Comment'];
export type Area = Schemas['Area'];
export type AreaFeatureCollection = Schemas['AreaFeatureCollection'];
export type Membership = Schemas['Membership'];
export type FamilyLink = Schemas['FamilyLink'];
export type Adoption = Schemas['Adoption'];
export type ClientConfig = Schemas['ClientConfig'];
export type NewReport = Schemas['NewReport'];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
export class NetworkError extends Error {}

const TOKEN_KEY = 'centinela.token';

export function storedToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}
export function storeToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    /* private mode: the session lasts for this page */
  }
}

type Body = object | Blob | undefined;

export async function request<T>(
  method: string,
  path: string,
  body?: Body,
  headers: Record<string, string> = {},
): Promise<T> {
  const h: Record<string, string> = { Accept: 'application/json', ...headers };
  const token = storedToken();
  if (token) h.Authorization = `Bearer ${token}`;
  let payload: BodyInit | undefined;
  if (body instanceof Blob) {
    payload = body;
    if (!h['Content-Type'] && body.type) h['Content-Type'] = body.type;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    h['Content-Type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers: h, body: payload ?? null });
  } catch (e) {
    throw new NetworkError(e instanceof Error ? e.message : String(e));
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | undefined)?.error;
    if (res.status === 401 && token) authListeners.forEach((l) => l());
    throw new ApiError(res.status, err?.code ?? 'error', err?.message ?? res.statusText);
  }
  return data as T;
}

const authListeners = new Set<() => void>();
/** Called when a signed-in request answers 401 (token expired or revoked). */
export function onUnauthorized(listener: () => void): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

export function qs(params: Record<string, string | number | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

export const api = {
  clientConfig: () => request<ClientConfig>('GET', '/api/v1/config/client'),
  login: (login: string, password: string, factor: SecondFactor = {}) =>
    request<LoginResult>('POST', '/api/v1/auth/login', { login, password, ...factor }),
  totpEnroll: () => request<TotpEnrolment>('POST', '/api/v1/auth/totp/enroll'),
  totpConfirm: (code: string) =>
    request<{ totp_enabled: boolean; recovery_codes: string[] }>('POST', '/api/v1/auth/totp/confirm', { code }),
  register: (u: { email?: string; phone?: string; password: string; display_name?: string; locale?: string }) =>
    request<Me>('POST', '/api/v1/auth/register', u),
  logout: () => request<void>('POST', '/api/v1/auth/logout'),
  me: () => request<Me>('GET', '/api/v1/me'),
  categories: () => request<{ categories: Category[] }>('GET', '/api/v1/categories'),
  areas: (kind?: string) => request<{ areas: Area[] }>('GET', `/api/v1/areas${qs({ kind })}`),
  areasGeoJson: () =>
    request<AreaFeatureCollection>('GET', '/api/v1/areas?format=geojson&geometry=true'),
  adoption: (code: string) => request<Adoption>('GET', `/api/v1/areas/${encodeURIComponent(code)}/adoption`),
  reports: (params: { limit?: number; area?: string; status?: string; cursor?: string } = {}) =>
    request<{ reports: Report[]; next_cursor: string | null }>('GET', `/api/v1/reports${qs(params)}`),
  myReports: (limit = 50) =>
    request<{ reports: Report[]; next_cursor: string | null }>('GET', `/api/v1/reports/mine${qs({ limit })}`),
  report: (id: string) => request<Report>('GET', `/api/v1/reports/${encodeURIComponent(id)}`),
  createReport: (r: NewReport, idempotencyKey: string) =>
    request<Report>('POST', '/api/v1/reports', r, { 'Idempotency-Key': idempotencyKey }),
  uploadMedia: (file: Blob) => request<{ id: string }>('PUT', '/api/v1/media', file),
  mediaBlob: async (id: string): Promise<Blob> => {
    const token = storedToken();
    let res: Response;
    try {
      res = await fetch(`/api/v1/media/${encodeURIComponent(id)}`, {
        headers: token ? { Authorization: `Bearer ${token}` } : {},
      });
    } catch (e) {
      throw new NetworkError(String(e));
    }
    if (!res.ok) throw new ApiError(res.status, 'media', res.statusText);
    return res.blob();
  },
  comments: (id: string) =>
    request<{ comments: Comment[]; next_cursor: string | null }>('GET', `/api/v1/reports/${encodeURIComponent(id)}/comments`),
  addComment: (id: string, body: string) =>
    request<Comment>('POST', `/api/v1/reports/${encodeURIComponent(id)}/comments`, { body }),
  confirm: (id: string) =>
    request<{ confirmations: number }>('POST', `/api/v1/reports/${encodeURIComponent(id)}/confirmations`),
  family: () => request<{ links: FamilyLink[] }>('GET', '/api/v1/family'),
  inviteFamily: (contact: { email?: string; phone?: string }) =>
    request<FamilyLink>('POST', '/api/v1/family/invitations', contact),
  familyAction: (id: string, action: 'accept' | 'decline' | 'leave') =>
    request<FamilyLink>('POST', `/api/v1/family/${encodeURIComponent(id)}/${action}`),
  myMemberships: () => request<{ memberships: Membership[] }>('GET', '/api/v1/memberships/mine'),
  requestMembership: (m: Pick<Membership, 'address' | 'lat' | 'lon' | 'id_type' | 'id_number' | 'proof_media_id'>) =>
    request<Membership>('POST', '/api/v1/memberships', m),
  leaveMembership: (id: string) => request<Membership>('POST', `/api/v1/memberships/${encodeURIComponent(id)}/leave`),
  memberships: (area: string, status = 'pending') =>
    request<{ memberships: Membership[] }>('GET', `/api/v1/memberships${qs({ area, status })}`),
  decideMembership: (id: string, decision: 'approve' | 'reject', reason?: string) =>
    request<Membership>(
      'POST',
      `/api/v1/memberships/${encodeURIComponent(id)}/${decision}`,
      decision === 'reject' ? { reason } : {},
    ),
};
