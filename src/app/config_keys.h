#pragma once
// The configuration keys as typed constants: every read goes through one of these
// (`config.Int(keys::kStoreMaxBatch)`), so a misspelt key or a wrong type does not compile.
// The table of defaults and help (ConfigKeys() in config.cc) is built from the same
// constants; docs/operations.md's table is `centinela config keys` (a test compares them).

namespace centinela::app {

struct StrKey {
  const char* name;
};
struct IntKey {
  const char* name;
};
struct BoolKey {
  const char* name;
};

namespace keys {

inline constexpr StrKey kDataDir{"data_dir"};
inline constexpr StrKey kServerListen{"server.listen"};
inline constexpr IntKey kServerThreads{"server.threads"};
inline constexpr IntKey kServerMaxBodyBytes{"server.max_body_bytes"};
inline constexpr IntKey kServerReadTimeoutMs{"server.read_timeout_ms"};
inline constexpr IntKey kServerIdleTimeoutMs{"server.idle_timeout_ms"};
inline constexpr IntKey kServerDrainTimeoutMs{"server.drain_timeout_ms"};
inline constexpr IntKey kServerMaxConnections{"server.max_connections"};
inline constexpr StrKey kServerTrustedProxies{"server.trusted_proxies"};
inline constexpr StrKey kStoreUrl{"store.url"};
inline constexpr IntKey kStoreReaderConnections{"store.reader_connections"};
inline constexpr IntKey kStoreMaxBatch{"store.max_batch"};
inline constexpr IntKey kStoreMaxQueue{"store.max_queue"};
inline constexpr BoolKey kStoreSynchronousFull{"store.synchronous_full"};
inline constexpr IntKey kAuthTokenTtlHours{"auth.token_ttl_hours"};
inline constexpr IntKey kAuthHashThreads{"auth.hash_threads"};
inline constexpr IntKey kAuthMinPasswordLength{"auth.min_password_length"};
inline constexpr BoolKey kAuthBenchFastPasswordHash{"auth.bench_fast_password_hash"};
inline constexpr IntKey kAuthLoginMaxFailuresPerAccount{"auth.login_max_failures_per_account"};
inline constexpr IntKey kAuthLoginMaxFailuresPerIp{"auth.login_max_failures_per_ip"};
inline constexpr IntKey kAuthLoginWindowS{"auth.login_window_s"};
inline constexpr IntKey kAuthLoginLockoutS{"auth.login_lockout_s"};
inline constexpr IntKey kAuthRegisterMaxPerMinutePerIp{"auth.register_max_per_minute_per_ip"};
inline constexpr IntKey kAuthRegisterMaxPerDayPerIp{"auth.register_max_per_day_per_ip"};
inline constexpr BoolKey kAuthRequireTotpForStaff{"auth.require_totp_for_staff"};
inline constexpr IntKey kMediaMaxImageBytes{"media.max_image_bytes"};
inline constexpr IntKey kMediaMaxVideoBytes{"media.max_video_bytes"};
inline constexpr IntKey kMediaMaxAudioBytes{"media.max_audio_bytes"};
inline constexpr StrKey kReportsDefaultArea{"reports.default_area"};
inline constexpr IntKey kReportsMaxPerMinute{"reports.max_per_minute"};
inline constexpr IntKey kReportsMaxPerDay{"reports.max_per_day"};
inline constexpr IntKey kMembershipsMaxPerDay{"memberships.max_per_day"};
inline constexpr IntKey kCommunityCommentsPerMinute{"community.comments_per_minute"};
inline constexpr IntKey kCommunityCommentsPerDay{"community.comments_per_day"};
inline constexpr IntKey kIncidentsDuplicateRadiusM{"incidents.duplicate_radius_m"};
inline constexpr IntKey kIncidentsDuplicateWindowS{"incidents.duplicate_window_s"};
inline constexpr IntKey kTrackingStaleAfterS{"tracking.stale_after_s"};
inline constexpr IntKey kTrackingRetentionDays{"tracking.retention_days"};
inline constexpr StrKey kTrackingOsmandListen{"tracking.osmand_listen"};
inline constexpr StrKey kWebDir{"web.dir"};
inline constexpr StrKey kWebTileUrl{"web.tile_url"};
inline constexpr StrKey kWebTileAttribution{"web.tile_attribution"};
inline constexpr IntKey kStreamMaxQueue{"stream.max_queue"};
inline constexpr IntKey kStreamMaxSessionsPerUser{"stream.max_sessions_per_user"};
inline constexpr IntKey kStreamReplayMaxEvents{"stream.replay_max_events"};
inline constexpr IntKey kStreamReplayMaxAgeMs{"stream.replay_max_age_ms"};
inline constexpr IntKey kStreamPingIntervalMs{"stream.ping_interval_ms"};
inline constexpr IntKey kStreamIdleTimeoutMs{"stream.idle_timeout_ms"};
inline constexpr IntKey kStreamWriteTimeoutMs{"stream.write_timeout_ms"};
inline constexpr IntKey kStreamSendBufferBytes{"stream.send_buffer_bytes"};
inline constexpr StrKey kLogLevel{"log.level"};
inline constexpr BoolKey kLogAccess{"log.access"};

}  // namespace keys
}  // namespace centinela::app
