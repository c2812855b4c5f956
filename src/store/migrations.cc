#include "store/migrations.h"

namespace centinela::store {

// Logical schema v1 (foundation):
//   event_head(id=1, seq, hash)  -- chain head; locked by each writing transaction so the
//                                   log stays gap-free even with several nodes (PostgreSQL)
//   events(seq PK, time_ms, type, actor, subject, scope, payload, prev_hash, hash)
//   users(id PK, email UNIQUE, phone UNIQUE, password_hash, display_name, locale,
//         created_ms, updated_ms, disabled)
//   grants(user_id, role, area_code)  PK(user_id, role, area_code); '' = no area
//   sessions(token_hash PK, user_id, created_ms, expires_ms, revoked_ms NULL, ip)
//   areas(code PK, name, kind, parent_code NULL, population, agencies JSON text,
//         geometry GeoJSON text, created_ms, updated_ms)

// Logical schema v2 (neighbours' alerts): categories; reports with their containing areas
// (report_areas, for area-scoped listing by time), idempotency keys, media and the reports
// that use them, neighbourhood memberships (one pending/approved per user), family links,
// comments, "I saw it too" confirmations, abuse flags. lat/lon are DOUBLE PRECISION (SQLite
// reads the type name as REAL); booleans are 0/1 integers.

// v2 uses only types both backends read the same way, so one text serves both.
constexpr std::string_view kNeighbourAlertsSql = R"SQL(
CREATE TABLE categories (
  code TEXT PRIMARY KEY,
  family TEXT NOT NULL,
  label_es TEXT NOT NULL,
  label_en TEXT NOT NULL,
  agencies TEXT NOT NULL DEFAULT '[]',
  priority INTEGER NOT NULL,
  sensitivity TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE TABLE reports (
  id TEXT PRIMARY KEY,
  reporter_id TEXT NOT NULL REFERENCES users(id),
  category TEXT NOT NULL REFERENCES categories(code),
  family TEXT NOT NULL,
  sensitivity TEXT NOT NULL,
  priority INTEGER NOT NULL,
  lat DOUBLE PRECISION NOT NULL,
  lon DOUBLE PRECISION NOT NULL,
  accuracy_m DOUBLE PRECISION,
  address TEXT,
  description TEXT,
  anonymous INTEGER NOT NULL DEFAULT 0,
  share_with_family INTEGER NOT NULL DEFAULT 0,
  areas TEXT NOT NULL DEFAULT '[]',
  agencies TEXT NOT NULL DEFAULT '[]',
  status TEXT NOT NULL DEFAULT 'received',
  confirmations INTEGER NOT NULL DEFAULT 0,
  comments INTEGER NOT NULL DEFAULT 0,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE INDEX reports_created ON reports(created_ms, id);
CREATE INDEX reports_reporter ON reports(reporter_id, created_ms, id);
CREATE TABLE report_areas (
  area_code TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
  PRIMARY KEY (area_code, created_ms, report_id)
);
CREATE TABLE idempotency_keys (
  user_id TEXT NOT NULL,
  idem_key TEXT NOT NULL,
  route TEXT NOT NULL,
  status INTEGER NOT NULL,
  response TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX idempotency_created ON idempotency_keys(created_ms);
CREATE TABLE media (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES users(id),
  content_type TEXT NOT NULL,
  bytes BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  stripped_sha256 TEXT,
  created_ms BIGINT NOT NULL
);
CREATE TABLE report_media (
  report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
  media_id TEXT NOT NULL REFERENCES media(id),
  PRIMARY KEY (report_id, media_id)
);
CREATE INDEX report_media_media ON report_media(media_id);
CREATE TABLE memberships (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  area_code TEXT NOT NULL REFERENCES areas(code),
  address TEXT NOT NULL,
  home_lat DOUBLE PRECISION NOT NULL,
  home_lon DOUBLE PRECISION NOT NULL,
  id_type TEXT NOT NULL,
  id_number TEXT NOT NULL,
  proof_media_id TEXT REFERENCES media(id),
  status TEXT NOT NULL,
  reason TEXT,
  decided_by TEXT,
  created_ms BIGINT NOT NULL,
  decided_ms BIGINT
);
CREATE UNIQUE INDEX memberships_one_active ON memberships(user_id) WHERE status IN ('pending', 'approved');
CREATE INDEX memberships_area ON memberships(area_code, status);
CREATE TABLE family_links (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES users(id),
  member_id TEXT REFERENCES users(id),
  invite_email TEXT,
  invite_phone TEXT,
  status TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE INDEX family_links_owner ON family_links(owner_id, status);
CREATE INDEX family_links_member ON family_links(member_id, status);
CREATE TABLE comments (
  id TEXT PRIMARY KEY,
  report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
  author_id TEXT NOT NULL REFERENCES users(id),
  body TEXT NOT NULL,
  hidden INTEGER NOT NULL DEFAULT 0,
  hidden_by TEXT,
  hidden_reason TEXT,
  created_ms BIGINT NOT NULL
);
CREATE INDEX comments_report ON comments(report_id, created_ms, id);
CREATE TABLE confirmations (
  report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id),
  created_ms BIGINT NOT NULL,
  PRIMARY KEY (report_id, user_id)
);
CREATE TABLE flags (
  target TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id),
  reason TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  PRIMARY KEY (target, user_id)
);
)SQL";

// Logical schema v3 (command centre): incidents (with the response-time marks as columns),
// the areas they lie in, the reports merged into them, their timeline steps (public or
// internal), units with their crew and assignments, tracking devices bound to units (only
// a hash of each device key is kept), the position trail, and CAP broadcasts with the areas
// they target. One text serves both backends, as in v2.
constexpr std::string_view kCommandCentreSql = R"SQL(
CREATE TABLE incidents (
  id TEXT PRIMARY KEY,
  category TEXT NOT NULL REFERENCES categories(code),
  family TEXT NOT NULL,
  sensitivity TEXT NOT NULL,
  priority INTEGER NOT NULL,
  status TEXT NOT NULL,
  outcome TEXT,
  source TEXT NOT NULL,
  lat DOUBLE PRECISION NOT NULL,
  lon DOUBLE PRECISION NOT NULL,
  address TEXT,
  description TEXT,
  areas TEXT NOT NULL DEFAULT '[]',
  agencies TEXT NOT NULL DEFAULT '[]',
  caller_name TEXT,
  caller_phone TEXT,
  created_by TEXT NOT NULL,
  merged_into TEXT,
  received_ms BIGINT NOT NULL,
  acknowledged_ms BIGINT,
  dispatched_ms BIGINT,
  on_scene_ms BIGINT,
  closed_ms BIGINT,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE INDEX incidents_created ON incidents(created_ms, id);
CREATE INDEX incidents_family ON incidents(family, created_ms);
CREATE TABLE incident_areas (
  area_code TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  PRIMARY KEY (area_code, created_ms, incident_id)
);
CREATE TABLE incident_reports (
  report_id TEXT PRIMARY KEY REFERENCES reports(id),
  incident_id TEXT NOT NULL REFERENCES incidents(id),
  linked_ms BIGINT NOT NULL
);
CREATE INDEX incident_reports_incident ON incident_reports(incident_id);
CREATE TABLE incident_steps (
  id TEXT PRIMARY KEY,
  incident_id TEXT NOT NULL REFERENCES incidents(id),
  kind TEXT NOT NULL,
  visibility TEXT NOT NULL,
  status TEXT NOT NULL,
  note TEXT,
  media_id TEXT REFERENCES media(id),
  actor_id TEXT NOT NULL,
  created_ms BIGINT NOT NULL
);
CREATE INDEX incident_steps_incident ON incident_steps(incident_id, created_ms, id);
CREATE TABLE units (
  id TEXT PRIMARY KEY,
  callsign TEXT NOT NULL UNIQUE,
  agency TEXT NOT NULL,
  kind TEXT NOT NULL,
  capabilities TEXT NOT NULL DEFAULT '[]',
  home_area TEXT NOT NULL,
  status TEXT NOT NULL,
  incident_id TEXT,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE TABLE unit_crew (
  unit_id TEXT NOT NULL REFERENCES units(id),
  user_id TEXT NOT NULL REFERENCES users(id),
  PRIMARY KEY (unit_id, user_id)
);
CREATE INDEX unit_crew_user ON unit_crew(user_id);
CREATE TABLE incident_units (
  incident_id TEXT NOT NULL REFERENCES incidents(id),
  unit_id TEXT NOT NULL REFERENCES units(id),
  assigned_by TEXT NOT NULL,
  assigned_ms BIGINT NOT NULL,
  accepted_ms BIGINT,
  released_ms BIGINT,
  PRIMARY KEY (incident_id, unit_id, assigned_ms)
);
CREATE INDEX incident_units_unit ON incident_units(unit_id, assigned_ms);
CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  unit_id TEXT NOT NULL REFERENCES units(id),
  external_id TEXT UNIQUE,
  key_hash TEXT NOT NULL UNIQUE,
  label TEXT,
  created_ms BIGINT NOT NULL,
  revoked_ms BIGINT
);
CREATE TABLE positions (
  unit_id TEXT NOT NULL,
  time_ms BIGINT NOT NULL,
  lat DOUBLE PRECISION NOT NULL,
  lon DOUBLE PRECISION NOT NULL,
  speed_mps DOUBLE PRECISION,
  heading DOUBLE PRECISION,
  accuracy_m DOUBLE PRECISION,
  received_ms BIGINT NOT NULL,
  PRIMARY KEY (unit_id, time_ms)
);
CREATE INDEX positions_time ON positions(time_ms);
CREATE TABLE broadcasts (
  id TEXT PRIMARY KEY,
  sender_id TEXT NOT NULL REFERENCES users(id),
  headline TEXT NOT NULL,
  body TEXT NOT NULL,
  instruction TEXT,
  severity TEXT NOT NULL,
  urgency TEXT NOT NULL,
  certainty TEXT NOT NULL,
  category TEXT NOT NULL,
  areas TEXT NOT NULL DEFAULT '[]',
  polygon TEXT,
  expires_ms BIGINT NOT NULL,
  created_ms BIGINT NOT NULL
);
CREATE INDEX broadcasts_created ON broadcasts(created_ms, id);
CREATE TABLE broadcast_areas (
  area_code TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  broadcast_id TEXT NOT NULL REFERENCES broadcasts(id),
  PRIMARY KEY (area_code, created_ms, broadcast_id)
);
)SQL";

// Logical schema v4 (formal crime figures): complaints imported from police/prosecutor
// files, keyed by (source, source_id) so a re-import adds nothing; occurred_ms in UTC;
// date_known = 0 when the source has no date (the date is a documented placeholder);
// import_seq = seq of the complaints.imported event of the import that wrote the row (lets
// a running server pick up rows imported by another process). formal_counts are area-level
// monthly figures (month 'YYYY-MM') keyed by (source, area_code, month, crime_group).
constexpr std::string_view kFormalCrimeSql = R"SQL(
CREATE TABLE complaints (
  source TEXT NOT NULL,
  source_id TEXT NOT NULL,
  occurred_ms BIGINT NOT NULL,
  date_known INTEGER NOT NULL DEFAULT 1,
  category TEXT NOT NULL,
  family TEXT NOT NULL,
  raw_category TEXT NOT NULL,
  lat DOUBLE PRECISION,
  lon DOUBLE PRECISION,
  area_code TEXT,
  import_seq BIGINT NOT NULL,
  PRIMARY KEY (source, source_id)
);
CREATE INDEX complaints_occurred ON complaints(occurred_ms);
CREATE INDEX complaints_import ON complaints(import_seq);
CREATE TABLE formal_counts (
  source TEXT NOT NULL,
  area_code TEXT NOT NULL,
  month TEXT NOT NULL,
  crime_group TEXT NOT NULL,
  category TEXT NOT NULL,
  family TEXT NOT NULL,
  count BIGINT NOT NULL,
  import_seq BIGINT NOT NULL,
  PRIMARY KEY (source, area_code, month, crime_group)
);
CREATE INDEX formal_counts_area ON formal_counts(area_code, month);
)SQL";

// Logical schema v5 (community moderation): each abuse flag names the report it concerns
// (its own id, or the comment's report; backfilled) so staff list flags by area, and carries
// its resolution (resolved_ms/resolved_by/resolution: dismissed or hidden); proofs of
// residence are looked up by media id on every media read.
constexpr std::string_view kModerationSql = R"SQL(
ALTER TABLE flags ADD COLUMN report_id TEXT;
ALTER TABLE flags ADD COLUMN resolved_ms BIGINT;
ALTER TABLE flags ADD COLUMN resolved_by TEXT;
ALTER TABLE flags ADD COLUMN resolution TEXT;
UPDATE flags SET report_id = CASE
  WHEN target LIKE 'report:%' THEN substr(target, 8)
  ELSE (SELECT c.report_id FROM comments c WHERE 'comment:' || c.id = flags.target) END;
CREATE INDEX flags_report ON flags(report_id, created_ms);
CREATE INDEX memberships_proof ON memberships(proof_media_id);
)SQL";

// Logical schema v6 (bilingual broadcasts): an optional English headline, body and
// instruction beside the Spanish ones (a second CAP <info> in en-US).
constexpr std::string_view kBroadcastEnglishSql = R"SQL(
ALTER TABLE broadcasts ADD COLUMN headline_en TEXT;
ALTER TABLE broadcasts ADD COLUMN body_en TEXT;
ALTER TABLE broadcasts ADD COLUMN instruction_en TEXT;
)SQL";

// Logical schema v7 (staff second factor and access review): TOTP secrets (pending until
// confirmed; last_step is the last time step accepted, so a code works once), hashed
// one-time recovery codes, the restricted enrol-only sessions (purpose), each user's last
// sign-in and each grant's last use (flushed from memory every few minutes).
constexpr std::string_view kStaffTotpSql = R"SQL(
ALTER TABLE users ADD COLUMN last_login_ms BIGINT;
ALTER TABLE grants ADD COLUMN last_used_ms BIGINT;
ALTER TABLE sessions ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
CREATE TABLE user_totp (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  secret TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  confirmed_ms BIGINT,
  last_step BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE recovery_codes (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  used_ms BIGINT,
  PRIMARY KEY (user_id, code_hash)
);
)SQL";

const std::vector<Migration>& SqliteMigrations() {
  static const std::vector<Migration> kList = {
      {1, "foundation", R"SQL(
CREATE TABLE event_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO event_head (id, seq, hash)
  VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TABLE events (
  seq INTEGER PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  subject TEXT NOT NULL,
  scope TEXT NOT NULL,
  payload TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT UNIQUE,
  phone TEXT UNIQUE,
  password_hash TEXT NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  locale TEXT NOT NULL DEFAULT 'es',
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE grants (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  area_code TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (user_id, role, area_code)
);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  revoked_ms INTEGER,
  ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE areas (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  parent_code TEXT REFERENCES areas(code),
  population INTEGER NOT NULL DEFAULT 0,
  agencies TEXT NOT NULL DEFAULT '[]',
  geometry TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE INDEX areas_parent ON areas(parent_code);
)SQL"},
      {2, "neighbour_alerts", kNeighbourAlertsSql},
      {3, "command_centre", kCommandCentreSql},
      {4, "formal_crime", kFormalCrimeSql},
      {5, "moderation", kModerationSql},
      {6, "broadcast_english", kBroadcastEnglishSql},
      {7, "staff_totp", kStaffTotpSql},
  };
  return kList;
}

const std::vector<Migration>& PostgresMigrations() {
  static const std::vector<Migration> kList = {
      {1, "foundation", R"SQL(
CREATE TABLE event_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO event_head (id, seq, hash)
  VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TABLE events (
  seq BIGINT PRIMARY KEY,
  time_ms BIGINT NOT NULL,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  subject TEXT NOT NULL,
  scope TEXT NOT NULL,
  payload TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT UNIQUE,
  phone TEXT UNIQUE,
  password_hash TEXT NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  locale TEXT NOT NULL DEFAULT 'es',
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  disabled BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE grants (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  area_code TEXT NOT NULL DEFAULT '',
  created_ms BIGINT NOT NULL,
  PRIMARY KEY (user_id, role, area_code)
);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL,
  revoked_ms BIGINT,
  ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE areas (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  parent_code TEXT REFERENCES areas(code),
  population BIGINT NOT NULL DEFAULT 0,
  agencies TEXT NOT NULL DEFAULT '[]',
  geometry TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE INDEX areas_parent ON areas(parent_code);
)SQL"},
      {2, "neighbour_alerts", kNeighbourAlertsSql},
      {3, "command_centre", kCommandCentreSql},
      {4, "formal_crime", kFormalCrimeSql},
      {5, "moderation", kModerationSql},
      {6, "broadcast_english", kBroadcastEnglishSql},
      {7, "staff_totp", kStaffTotpSql},
  };
  return kList;
}

}  // namespace centinela::store
