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
  };
  return kList;
}

}  // namespace centinela::store
