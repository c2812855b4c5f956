// One typed client for the HTTP API (docs/api.md). Every call carries the bearer token;
// errors come back as ApiError with the server's envelope code, network failures as
// NetworkError (so the offline queue can tell "try later" from "refused").

export interface Grant {
  role: string;
  area: string | null;
}
export interface Me {
  id: string;
  email: string | null;
  phone: string | null;
  display_name: string | null;
  locale: string | null;
  roles: Grant[];
  staff: boolean;
  verified_neighbourhoods?: string[];
  /** Whether the second factor (TOTP) is active. */
  totp_enabled?: boolean;
}
/** The answer to a sign-in; an enrol-only token (staff who must enrol TOTP first) says so. */
export interface LoginResult {
  token: string;
  expires_at: string;
  user: Me;
  totp_enrollment_required?: boolean;
}
/** A second factor given at sign-in: the current TOTP code or a recovery code. */
export interface SecondFactor {
  totp?: string;
  recovery_code?: string;
}
export interface TotpEnrolment {
  secret: string;
  otpauth_uri: string;
  digits: number;
  period_s: number;
}
export interface Labels {
  es: string;
  en: string;
}
export interface Category {
  code: string;
  family: 'crime' | 'emergency' | 'violence' | 'city_service' | 'logistics' | 'disaster' | 'border';
  sensitivity: 'public' | 'restricted';
  priority: number;
  agencies: string[];
  labels: Labels;
  active: boolean;
}
export interface Report {
  id: string;
  category: string;
  family: string;
  sensitivity: 'public' | 'restricted';
  priority: number;
  lat: number;
  lon: number;
  location: 'exact' | 'coarse';
  accuracy: number | null;
  address: string | null;
  description: string | null;
  anonymous: boolean;
  share_with_family: boolean;
  areas: string[];
  agencies: string[];
  status: string;
  confirmations: number;
  comments: number;
  media: string[];
  reporter: { id: string; display_name: string | null } | null;
  created_at: string;
  updated_at: string;
  thread?: { comments: Comment[]; next_cursor: string | null };
  /** The incident this report belongs to, with its public steps (detail only). */
  incident?: { id: string; status: string; steps: TimelineStep[] } | null;
}
export interface TimelineStep {
  id: string;
  kind: string;
  label: Labels;
  status: string;
  note: string | null;
  media_id: string | null;
  at: string;
}
export interface Comment {
  id: string;
  report_id: string;
  body: string;
  author: { id: string; display_name: string | null } | null;
  by_reporter: boolean;
  created_ms: number;
  hidden?: boolean;
}
export interface Area {
  code: string;
  name: string;
  kind: 'region' | 'precinct' | 'sector' | 'neighbourhood';
  parent: string | null;
  population: number | null;
  agencies: string[];
}
export interface AreaFeatureCollection {
  type: 'FeatureCollection';
  features: Array<{
    type: 'Feature';
    properties: { code: string; name: string; kind: string; population?: number | null };
    geometry: { type: string; coordinates: unknown };
  }>;
}
export interface Membership {
  id: string;
  user_id: string;
  area: string;
  address: string;
  lat: number;
  lon: number;
  id_type: string;
  id_number: string;
  proof_media_id: string;
  status: 'pending' | 'approved' | 'rejected' | 'left';
  reason: string | null;
  created_ms: number;
  decided_ms: number | null;
}
export interface FamilyLink {
  id: string;
  owner_id: string;
  member_id: string | null;
  invite_email: string | null;
  invite_phone: string | null;
  status: 'invited' | 'accepted' | 'declined' | 'left';
  direction: 'outgoing' | 'incoming';
  created_ms: number;
}
export interface Adoption {
  code: string;
  population: number;
  registered_addresses: number;
  target: number;
  missing: number;
  compliance_pct: number;
}
export interface ClientConfig {
  tile_url: string;
  tile_attribution: string;
  languages: string[];
  version: string;
}
export interface NewReport {
  category: string;
  lat: number;
  lon: number;
  accuracy?: number;
  address?: string;
  description?: string;
  media?: string[];
  anonymous?: boolean;
  share_with_family?: boolean;
}

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
