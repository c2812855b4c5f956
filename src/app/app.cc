#include "app/app.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "api/context.h"
#include "api/route.h"
#include "api/static_api.h"
#include "api/stream_api.h"
#include "app/config_keys.h"
#include "app/demo.h"
#include "app/media_access.h"
#include "areas/areas.h"
#include "common/clock.h"
#include "common/redact.h"
#include "community/categories.h"
#include "community/comments.h"
#include "community/family.h"
#include "community/membership.h"
#include "community/rate_limit.h"
#include "community/reports.h"
#include "crime/incident_feed.h"
#include "crime/incident_index.h"
#include "dispatch/broadcasts.h"
#include "dispatch/incidents.h"
#include "dispatch/units.h"
#include "events/bus.h"
#include "events/follower.h"
#include "events/types.h"
#include "http/router.h"
#include "http/security_headers.h"
#include "media/media.h"
#include "realtime/hub.h"
#include "realtime/stream_server.h"
#include "tracking/position_index.h"
#include "tracking/positions.h"

namespace centinela::app {

Result<std::unique_ptr<store::Store>> OpenConfiguredStore(const Config& c, Metrics* metrics,
                                                          Env* env) {
  std::string url = c.StoreUrl();
  if (url.rfind("sqlite:", 0) == 0) {
    std::error_code ec;
    std::filesystem::create_directories(c.Str(keys::kDataDir), ec);
    if (ec) return Unavailable("cannot create data directory " + c.Str(keys::kDataDir) + ": " + ec.message());
  }
  store::StoreOptions opts;
  opts.reader_connections = static_cast<int>(c.Int(keys::kStoreReaderConnections));
  opts.max_batch = static_cast<int>(c.Int(keys::kStoreMaxBatch));
  opts.max_queue = static_cast<int>(c.Int(keys::kStoreMaxQueue));
  opts.synchronous_full = c.Bool(keys::kStoreSynchronousFull);
  opts.metrics = metrics;
  opts.env = env;
  auto store = store::OpenStore(url, opts);
  if (!store.ok()) return Status(store.status().code(), "cannot open store " + RedactUrl(url) + ": " + store.status().message());
  auto version = (*store)->Migrate();
  if (!version.ok()) return Status(version.status().code(), "migration failed: " + version.status().message());
  spdlog::info("store {} at schema version {}", RedactUrl(url), *version);
  return store;
}

auth::AccountsOptions AccountsOptionsFrom(const Config& c) {
  auth::AccountsOptions o;
  o.token_ttl_ms = c.Int(keys::kAuthTokenTtlHours) * 3600 * 1000;
  o.hash_threads = static_cast<int>(c.Int(keys::kAuthHashThreads));
  o.min_password_length = static_cast<size_t>(c.Int(keys::kAuthMinPasswordLength));
  o.fast_hash_for_tests = c.Bool(keys::kAuthBenchFastPasswordHash);
  o.throttle.max_failures_per_account = static_cast<int>(c.Int(keys::kAuthLoginMaxFailuresPerAccount));
  o.throttle.max_failures_per_ip = static_cast<int>(c.Int(keys::kAuthLoginMaxFailuresPerIp));
  o.throttle.window_ms = c.Int(keys::kAuthLoginWindowS) * 1000;
  o.throttle.base_lockout_ms = c.Int(keys::kAuthLoginLockoutS) * 1000;
  o.require_totp_for_staff = c.Bool(keys::kAuthRequireTotpForStaff);
  return o;
}

Result<http::ServerOptions> ServerOptionsFrom(const Config& c) {
  http::ServerOptions o;
  std::string listen = c.Str(keys::kServerListen);
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return InvalidArgument("server.listen must be HOST:PORT, got '" + listen + "'");
  o.host = listen.substr(0, colon);
  if (o.host == "localhost") o.host = "127.0.0.1";
  try {
    int port = std::stoi(listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    o.port = static_cast<uint16_t>(port);
  } catch (...) {
    return InvalidArgument("server.listen has a bad port: '" + listen + "'");
  }
  o.threads = static_cast<int>(c.Int(keys::kServerThreads));
  o.max_body_bytes = static_cast<size_t>(c.Int(keys::kServerMaxBodyBytes));
  o.read_timeout_ms = static_cast<int>(c.Int(keys::kServerReadTimeoutMs));
  o.idle_timeout_ms = static_cast<int>(c.Int(keys::kServerIdleTimeoutMs));
  o.drain_timeout_ms = static_cast<int>(c.Int(keys::kServerDrainTimeoutMs));
  o.max_connections = static_cast<int>(c.Int(keys::kServerMaxConnections));
  Result<std::vector<http::Cidr>> proxies = http::ParseCidrList(c.Str(keys::kServerTrustedProxies));
  if (!proxies.ok())
    return InvalidArgument("server.trusted_proxies: " + proxies.status().message());
  o.trusted_proxies = std::move(proxies).value();
  // The browser may fetch basemap tiles only from origins the Content-Security-Policy
  // names, so a tile server on another host is added to it, and a URL we cannot reduce to
  // an origin is refused here rather than leaving a blank map and a CSP error in the console.
  if (const std::string tiles = c.Str(keys::kWebTileUrl);
      !tiles.empty() && !(tiles.starts_with('/') && !tiles.starts_with("//"))) {
    std::string origin = http::OriginOf(tiles);
    if (origin.empty()) {
      return InvalidArgument(
          "web.tile_url must be a path on this server or an http(s) URL with a "
          "plain host name, got '" +
          tiles + "'");
    }
    o.csp_extra_origins.push_back(std::move(origin));
  }
  return o;
}

// Every part of a running server, declared in the order Start builds them (and so destroyed
// in reverse). Services hold references to the parts before them.
struct App::Parts {
  Metrics metrics;
  SystemClock clock;
  http::ServerOptions server_options;
  std::unique_ptr<store::Store> store;
  events::Bus bus;
  std::unique_ptr<events::LogFollower> follower;
  std::unique_ptr<areas::AreaService> areas;
  std::unique_ptr<auth::Accounts> accounts;
  std::unique_ptr<community::CategoryService> categories;
  std::unique_ptr<community::ReportService> reports;
  std::unique_ptr<media::MediaService> media;
  std::unique_ptr<community::MembershipService> memberships;
  std::unique_ptr<community::FamilyService> family;
  std::unique_ptr<community::CommentService> comments;
  std::unique_ptr<dispatch::IncidentService> incidents;
  tracking::PositionIndex position_index;
  std::unique_ptr<dispatch::UnitService> units;
  std::unique_ptr<tracking::PositionService> positions;
  std::unique_ptr<dispatch::BroadcastService> broadcasts;
  std::unique_ptr<community::RateLimiter> registrations;
  crime::IncidentIndex crime_index;
  std::unique_ptr<crime::IncidentFeed> crime_feed;
  std::unique_ptr<api::ApiContext> ctx;
  std::unique_ptr<realtime::StoreEventSource> stream_source;
  std::unique_ptr<realtime::Hub> hub;
  events::Bus::SubscriptionId hub_subscription{};
  bool hub_subscribed = false;
  std::unique_ptr<realtime::StreamServer> stream;
  http::Router router;
  std::unique_ptr<http::Server> server;
  http::Router osmand_router;
  std::unique_ptr<http::Server> osmand_server;
  std::string demo_units_file;
  bool stopped = false;
};

App::App(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

App::~App() { Stop(); }

Result<std::unique_ptr<App>> App::Start(const Config& config, AppOptions options) {
  auto p = std::make_unique<Parts>();
  // Whatever is built so far is torn down in order when a step fails.
  std::unique_ptr<App> app(new App(std::move(p)));
  Parts& a = *app->parts_;
  auto server_options = ServerOptionsFrom(config);
  if (!server_options.ok()) return server_options.status();
  a.server_options = *server_options;

  auto store = OpenConfiguredStore(config, &a.metrics, options.env);
  if (!store.ok()) return store.status();
  a.store = std::move(*store);
  store::Store& db = *a.store;
  // On PostgreSQL several nodes may share the log: the follower publishes every node's
  // events on this bus in seq order (LISTEN/NOTIFY + log reads, events/follower.h).
  if (db.Backend() == "postgresql") {
    events::FollowerOptions follower_options;
    follower_options.metrics = &a.metrics;
    a.follower = std::make_unique<events::LogFollower>(db, a.bus, follower_options);
    if (Status started = a.follower->Start(); !started.ok()) return started;
  } else {
    a.bus.Attach(db);
  }
  a.areas = std::make_unique<areas::AreaService>(db);
  Status s = a.areas->Load();
  if (!s.ok()) return s;
  areas::AreaService& areas = *a.areas;
  a.accounts = std::make_unique<auth::Accounts>(db, a.clock, AccountsOptionsFrom(config));
  if (options.demo) {
    s = LoadDemo(FindDemoDir(), areas, *a.accounts);
    if (!s.ok()) return Status(s.code(), "demo data: " + s.message());
  }

  a.categories = std::make_unique<community::CategoryService>(db);
  s = a.categories->Load();
  if (!s.ok()) return s;
  community::ReportServiceOptions report_options;
  report_options.max_per_minute = static_cast<int>(config.Int(keys::kReportsMaxPerMinute));
  report_options.max_per_day = static_cast<int>(config.Int(keys::kReportsMaxPerDay));
  report_options.default_area = config.Str(keys::kReportsDefaultArea);
  if (!report_options.default_area.empty() && !areas.Get(report_options.default_area))
    spdlog::warn("reports.default_area '{}' is not a known area", report_options.default_area);
  a.reports = std::make_unique<community::ReportService>(db, areas, *a.categories, report_options);

  media::MediaOptions media_options;
  media_options.dir = config.Str(keys::kDataDir) + "/media";
  media_options.max_image_bytes = static_cast<size_t>(config.Int(keys::kMediaMaxImageBytes));
  media_options.max_video_bytes = static_cast<size_t>(config.Int(keys::kMediaMaxVideoBytes));
  media_options.max_audio_bytes = static_cast<size_t>(config.Int(keys::kMediaMaxAudioBytes));
  media_options.env = options.env;
  a.media = std::make_unique<media::MediaService>(
      db, a.clock, media_options,
      media::ProofsOfResidenceFirst(db, areas, ReportMediaAccess(db, areas, *a.reports)));
  s = a.media->Open();
  if (!s.ok()) return s;

  community::MembershipOptions membership_options;
  membership_options.max_per_day = static_cast<int>(config.Int(keys::kMembershipsMaxPerDay));
  a.memberships = std::make_unique<community::MembershipService>(db, areas, membership_options);
  a.family = std::make_unique<community::FamilyService>(db);

  community::CommentServiceOptions comment_options;
  comment_options.max_per_minute = static_cast<int>(config.Int(keys::kCommunityCommentsPerMinute));
  comment_options.max_per_day = static_cast<int>(config.Int(keys::kCommunityCommentsPerDay));
  a.comments = std::make_unique<community::CommentService>(db, comment_options);

  dispatch::IncidentOptions incident_options;
  incident_options.duplicate_radius_m =
      static_cast<double>(config.Int(keys::kIncidentsDuplicateRadiusM));
  incident_options.duplicate_window_ms = config.Int(keys::kIncidentsDuplicateWindowS) * 1000;
  incident_options.default_area = report_options.default_area;
  a.incidents = std::make_unique<dispatch::IncidentService>(db, areas, *a.categories, incident_options);
  a.units = std::make_unique<dispatch::UnitService>(db, areas, a.position_index,
                                                    config.Int(keys::kTrackingStaleAfterS) * 1000);
  s = a.units->Load();
  if (!s.ok()) return s;
  tracking::PositionOptions position_options;
  position_options.retention_ms = config.Int(keys::kTrackingRetentionDays) * 24 * 3600 * 1000;
  position_options.scope_for = [units = a.units.get()](const std::string& unit_id) {
    auto u = units->Get(unit_id);
    return u ? events::scope::StaffArea(u->home_area) : std::string(events::scope::kAdmin);
  };
  a.positions = std::make_unique<tracking::PositionService>(db, a.position_index, position_options);
  s = a.positions->Load();
  if (!s.ok()) return s;
  // The demo fleet and its device keys (for `centinela simulate`, see app/simulate.h).
  a.demo_units_file = config.Str(keys::kDataDir) + "/demo-units.json";
  if (options.demo) {
    s = LoadDemoUnits(db, *a.units, *a.positions, a.demo_units_file);
    if (!s.ok()) return Status(s.code(), "demo units: " + s.message());
  }
  // "unit.stale" on the stream once a unit has been silent for tracking.stale_after_s.
  a.positions->StartStaleSweeper(config.Int(keys::kTrackingStaleAfterS) * 1000, 15'000);
  a.broadcasts = std::make_unique<dispatch::BroadcastService>(db);

  a.ctx = std::make_unique<api::ApiContext>(api::ApiContext{db, *a.accounts, areas, a.metrics, CENTINELA_VERSION});
  api::ApiContext& ctx = *a.ctx;
  ctx.categories = a.categories.get();
  ctx.reports = a.reports.get();
  ctx.media = a.media.get();
  ctx.comments = a.comments.get();
  ctx.memberships = a.memberships.get();
  ctx.family = a.family.get();
  a.registrations = std::make_unique<community::RateLimiter>(
      static_cast<int>(config.Int(keys::kAuthRegisterMaxPerMinutePerIp)),
      static_cast<int>(config.Int(keys::kAuthRegisterMaxPerDayPerIp)), a.clock);
  ctx.registrations = a.registrations.get();
  // The crime map's in-memory index: every complaint and report now, then the log.
  a.crime_feed = std::make_unique<crime::IncidentFeed>(db, areas, a.crime_index);
  s = a.crime_feed->LoadAll();
  if (!s.ok()) return s;
  spdlog::info("crime map: {} incidents indexed", a.crime_index.size());
  ctx.crime_index = &a.crime_index;
  ctx.crime_feed = a.crime_feed.get();
  ctx.incidents = a.incidents.get();
  ctx.units = a.units.get();
  ctx.positions = a.positions.get();
  ctx.broadcasts = a.broadcasts.get();
  // The live stream (realtime/): the hub follows the bus (every node's events on
  // PostgreSQL) and fans them out to /api/v1/stream sessions.
  a.stream_source = std::make_unique<realtime::StoreEventSource>(db);
  realtime::HubOptions hub_options;
  hub_options.max_queue = static_cast<size_t>(config.Int(keys::kStreamMaxQueue));
  hub_options.max_sessions_per_user = static_cast<int>(config.Int(keys::kStreamMaxSessionsPerUser));
  hub_options.replay_max_events = config.Int(keys::kStreamReplayMaxEvents);
  hub_options.replay_max_age_ms = config.Int(keys::kStreamReplayMaxAgeMs);
  hub_options.area_path = [&areas](const std::string& code) { return areas.Path(code); };
  hub_options.report_lookup = [&ctx](const std::string& id) { return api::ReportInfoFor(ctx, id); };
  hub_options.area_descendants = [&areas](const std::string& code) { return areas.Descendants(code); };
  hub_options.areas_meeting = [&areas](const std::vector<std::pair<double, double>>& ring) {
    return areas.CodesMeeting(ring);
  };
  hub_options.areas_at = [&areas](double lat, double lon) { return areas.CodesAt(lat, lon); };
  hub_options.refresh = [&ctx](const std::string& user) { return api::SubscriberForUser(ctx, user); };
  hub_options.metrics = &a.metrics;
  a.hub = std::make_unique<realtime::Hub>(*a.stream_source, hub_options);
  realtime::Hub* hub = a.hub.get();
  a.hub_subscription = a.bus.Subscribe([hub](const std::vector<store::Event>& events) { hub->OnCommit(events); });
  a.hub_subscribed = true;
  s = a.hub->Start();
  if (!s.ok()) return s;
  realtime::StreamOptions stream_options;
  stream_options.max_queue = hub_options.max_queue;
  stream_options.ping_interval_ms = static_cast<int>(config.Int(keys::kStreamPingIntervalMs));
  stream_options.idle_timeout_ms = static_cast<int>(config.Int(keys::kStreamIdleTimeoutMs));
  stream_options.write_timeout_ms = static_cast<int>(config.Int(keys::kStreamWriteTimeoutMs));
  stream_options.send_buffer_bytes = static_cast<int>(config.Int(keys::kStreamSendBufferBytes));
  a.stream = std::make_unique<realtime::StreamServer>(*a.hub, stream_options, api::StreamAuthenticator(ctx), a.metrics);
  api::WebOptions web_options{api::ResolveWebDir(config.Str(keys::kWebDir), CENTINELA_SOURCE_DIR),
                              config.Str(keys::kWebTileUrl), config.Str(keys::kWebTileAttribution)};
  ctx.stream = a.stream.get();
  ctx.client_config = api::ClientConfigBody(web_options, ctx.version);
  api::AddAllRoutes(a.router, ctx);
  api::AddWebRoutes(a.router, web_options);
  a.server = std::make_unique<http::Server>(a.server_options, a.router, a.metrics);
  s = a.server->Start();
  if (!s.ok()) return s;
  // OsmAnd (Traccar Client) on its own port. A port already taken is logged and the API
  // keeps serving: positions still arrive through POST /api/v1/positions.
  api::Install(a.osmand_router, ctx, api::OsmAndRoutes());
  if (const std::string osmand_listen = config.Str(keys::kTrackingOsmandListen); !osmand_listen.empty()) {
    Config osmand_config = config;
    Status set = osmand_config.Set(keys::kServerListen.name, osmand_listen);
    auto osmand_options = set.ok() ? ServerOptionsFrom(osmand_config) : Result<http::ServerOptions>(set);
    if (!osmand_options.ok()) return osmand_options.status();
    osmand_options->threads = 1;
    a.osmand_server = std::make_unique<http::Server>(*osmand_options, a.osmand_router, a.metrics);
    Status started = a.osmand_server->Start();
    if (started.ok()) {
      spdlog::info("OsmAnd positions on http://{}:{}", osmand_options->host, a.osmand_server->port());
    } else {
      spdlog::error("OsmAnd listener on {} did not start: {}", osmand_listen, started.ToString());
      a.osmand_server.reset();
    }
  }
  spdlog::info("listening on http://{}:{} ({} store)", a.server_options.host, a.server->port(), db.Backend());
  return app;
}

void App::Stop() {
  Parts& a = *parts_;
  if (a.stopped) return;
  a.stopped = true;
  if (a.server) a.server->Stop();
  if (a.osmand_server) a.osmand_server->Stop();
  if (a.hub_subscribed) a.bus.Unsubscribe(a.hub_subscription);
  if (a.hub) a.hub->Stop();
  if (a.follower) a.follower->Stop();
  // The grant uses of the last few minutes, for `centinela access review`.
  if (a.accounts) {
    if (Status flushed = a.accounts->FlushGrantUse(); !flushed.ok())
      spdlog::warn("grant uses not saved: {}", flushed.ToString());
  }
  if (a.store) a.store->Close();
}

void App::WaitForSignal() { parts_->server->WaitForSignal(); }
uint16_t App::port() const { return parts_->server->port(); }
uint16_t App::osmand_port() const { return parts_->osmand_server ? parts_->osmand_server->port() : 0; }
const std::string& App::host() const { return parts_->server_options.host; }
std::string App::backend() const { return parts_->store->Backend(); }
const std::string& App::demo_units_file() const { return parts_->demo_units_file; }

}  // namespace centinela::app
