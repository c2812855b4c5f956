#include "app/commands.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <future>
#include <iostream>

#include "api/context.h"
#include "api/static_api.h"
#include "api/stream_api.h"
#include "app/access_review.h"
#include "app/config.h"
#include "app/demo.h"
#include "app/import_complaints.h"
#include "app/logging.h"
#include "app/media_access.h"
#include "app/report_command.h"
#include "app/simulate.h"
#include "areas/areas.h"
#include "auth/access_review.h"
#include "auth/accounts.h"
#include "common/hash.h"
#include "community/categories.h"
#include "community/comments.h"
#include "community/family.h"
#include "community/membership.h"
#include "community/reports.h"
#include "crime/incident_feed.h"
#include "dispatch/broadcasts.h"
#include "dispatch/incidents.h"
#include "dispatch/units.h"
#include "events/audit.h"
#include "events/bus.h"
#include "events/follower.h"
#include "http/security_headers.h"
#include "http/server.h"
#include "media/media.h"
#include "realtime/hub.h"
#include "realtime/stream_server.h"
#include "store/store.h"
#include "tracking/positions.h"

namespace centinela::app {

namespace {

// Flags shared by the subcommands that open the store.
struct CommonFlags {
  std::string config_path;
  std::string db;
  std::string data_dir;
};

void AddCommonFlags(CLI::App* cmd, CommonFlags& f) {
  cmd->add_option("--config", f.config_path, "TOML configuration file (keys: docs/operations.md)");
  cmd->add_option("--db", f.db, "Database URL: sqlite:PATH (default sqlite:<data-dir>/centinela.db) or postgresql://...");
  cmd->add_option("--data-dir", f.data_dir, "Directory for the SQLite database and media (default ./data)");
}

Result<Config> LoadConfig(const CommonFlags& f, char** envp) {
  Result<Config> c = Config::Load(f.config_path, envp);
  if (!c.ok()) return c;
  if (!f.db.empty()) {
    Status s = c->Set("store.url", f.db);
    if (!s.ok()) return s;
  }
  if (!f.data_dir.empty()) {
    Status s = c->Set("data_dir", f.data_dir);
    if (!s.ok()) return s;
  }
  return c;
}

int Fail(const Status& s) {
  std::cerr << "centinela: " << s.message() << "\n";
  return s.code() == Code::kInvalidArgument ? 2 : 1;
}

Result<std::unique_ptr<store::Store>> OpenConfiguredStore(const Config& c, Metrics* metrics) {
  std::string url = c.StoreUrl();
  if (url.rfind("sqlite:", 0) == 0) {
    std::error_code ec;
    std::filesystem::create_directories(c.Str("data_dir"), ec);
    if (ec) return Unavailable("cannot create data directory " + c.Str("data_dir") + ": " + ec.message());
  }
  store::StoreOptions opts;
  opts.reader_connections = static_cast<int>(c.Int("store.reader_connections"));
  opts.max_batch = static_cast<int>(c.Int("store.max_batch"));
  opts.max_queue = static_cast<int>(c.Int("store.max_queue"));
  opts.synchronous_full = c.Bool("store.synchronous_full");
  opts.metrics = metrics;
  auto store = store::OpenStore(url, opts);
  if (!store.ok()) return Status(store.status().code(), "cannot open store " + RedactUrl(url) + ": " + store.status().message());
  auto version = (*store)->Migrate();
  if (!version.ok()) return Status(version.status().code(), "migration failed: " + version.status().message());
  spdlog::info("store {} at schema version {}", RedactUrl(url), *version);
  return store;
}

auth::AccountsOptions AccountsOptionsFrom(const Config& c) {
  auth::AccountsOptions o;
  o.token_ttl_ms = c.Int("auth.token_ttl_hours") * 3600 * 1000;
  o.hash_threads = static_cast<int>(c.Int("auth.hash_threads"));
  o.min_password_length = static_cast<size_t>(c.Int("auth.min_password_length"));
  o.fast_hash_for_tests = c.Bool("auth.bench_fast_password_hash");
  o.throttle.max_failures_per_account = static_cast<int>(c.Int("auth.login_max_failures_per_account"));
  o.throttle.max_failures_per_ip = static_cast<int>(c.Int("auth.login_max_failures_per_ip"));
  o.throttle.window_ms = c.Int("auth.login_window_s") * 1000;
  o.throttle.base_lockout_ms = c.Int("auth.login_lockout_s") * 1000;
  o.require_totp_for_staff = c.Bool("auth.require_totp_for_staff");
  return o;
}

Result<http::ServerOptions> ServerOptionsFrom(const Config& c) {
  http::ServerOptions o;
  std::string listen = c.Str("server.listen");
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
  o.threads = static_cast<int>(c.Int("server.threads"));
  o.max_body_bytes = static_cast<size_t>(c.Int("server.max_body_bytes"));
  o.read_timeout_ms = static_cast<int>(c.Int("server.read_timeout_ms"));
  o.idle_timeout_ms = static_cast<int>(c.Int("server.idle_timeout_ms"));
  o.drain_timeout_ms = static_cast<int>(c.Int("server.drain_timeout_ms"));
  o.max_connections = static_cast<int>(c.Int("server.max_connections"));
  Result<std::vector<http::Cidr>> proxies = http::ParseCidrList(c.Str("server.trusted_proxies"));
  if (!proxies.ok())
    return InvalidArgument("server.trusted_proxies: " + proxies.status().message());
  o.trusted_proxies = std::move(proxies).value();
  // The browser may fetch basemap tiles only from origins the Content-Security-Policy
  // names, so a tile server on another host is added to it, and a URL we cannot reduce to
  // an origin is refused here rather than leaving a blank map and a CSP error in the console.
  if (const std::string tiles = c.Str("web.tile_url");
      !tiles.empty() && !(tiles.starts_with('/') && !tiles.starts_with("//"))) {
    std::string origin = http::OriginOf(tiles);
    if (origin.empty())
      return InvalidArgument(
          "web.tile_url must be a path on this server or an http(s) URL with a "
          "plain host name, got '" +
          tiles + "'");
    o.csp_extra_origins.push_back(std::move(origin));
  }
  return o;
}

void PrintDemoBanner(const http::Server& server, const std::string& host,
                     const std::string& units_file) {
  std::string shown = host == "0.0.0.0" || host == "127.0.0.1" ? "localhost" : host;
  std::cout << "\n  Centinela demo is running: http://" << shown << ":" << server.port() << "/\n"
            << "  Health: http://" << shown << ":" << server.port() << "/healthz\n"
            << "  API:    http://" << shown << ":" << server.port() << "/api/v1/  (POST /api/v1/auth/login)\n\n"
            << "  Demo logins (role, login, password, area):\n";
  for (const DemoLogin& d : DemoLogins()) {
    std::cout << "    " << d.role << std::string(11 - d.role.size(), ' ') << d.login
              << std::string(26 - d.login.size(), ' ') << d.password
              << std::string(20 - d.password.size(), ' ') << (d.scope.empty() ? "-" : d.scope) << "\n";
  }
  std::cout << "\n";
  PrintDemoUnits(std::cout, units_file);
  std::cout << "\n  Stop with Ctrl-C.\n" << std::endl;
}

int Serve(const CommonFlags& flags, const std::string& listen, bool demo, char** envp) {
  Result<Config> config = LoadConfig(flags, envp);
  if (!config.ok()) return Fail(config.status());
  if (!listen.empty()) {
    Status s = config->Set("server.listen", listen);
    if (!s.ok()) return Fail(s);
  }
  InitLogging(config->Str("log.level"), config->Bool("log.access"));
  InitCrypto();
  Metrics metrics;
  auto server_options = ServerOptionsFrom(*config);
  if (!server_options.ok()) return Fail(server_options.status());

  auto store = OpenConfiguredStore(*config, &metrics);
  if (!store.ok()) return Fail(store.status());
  events::Bus bus;
  // On PostgreSQL several nodes may share the log: the follower publishes every node's
  // events on this bus in seq order (LISTEN/NOTIFY + log reads, events/follower.h).
  std::unique_ptr<events::LogFollower> follower;
  if ((*store)->Backend() == "postgresql") {
    events::FollowerOptions follower_options;
    follower_options.metrics = &metrics;
    follower = std::make_unique<events::LogFollower>(**store, bus, follower_options);
    if (Status started = follower->Start(); !started.ok()) return Fail(started);
  } else {
    bus.Attach(**store);
  }
  areas::AreaService areas(**store);
  Status s = areas.Load();
  if (!s.ok()) return Fail(s);
  SystemClock clock;
  auth::Accounts accounts(**store, clock, AccountsOptionsFrom(*config));
  if (demo) {
    s = LoadDemo(FindDemoDir(), areas, accounts);
    if (!s.ok()) return Fail(Status(s.code(), "demo data: " + s.message()));
  }

  community::CategoryService categories(**store);
  s = categories.Load();
  if (!s.ok()) return Fail(s);
  community::ReportServiceOptions report_options;
  report_options.max_per_minute = static_cast<int>(config->Int("reports.max_per_minute"));
  report_options.max_per_day = static_cast<int>(config->Int("reports.max_per_day"));
  report_options.default_area = config->Str("reports.default_area");
  if (!report_options.default_area.empty() && !areas.Get(report_options.default_area))
    spdlog::warn("reports.default_area '{}' is not a known area", report_options.default_area);
  community::ReportService reports(**store, areas, categories, report_options);

  media::MediaOptions media_options;
  media_options.dir = config->Str("data_dir") + "/media";
  media_options.max_image_bytes = static_cast<size_t>(config->Int("media.max_image_bytes"));
  media_options.max_video_bytes = static_cast<size_t>(config->Int("media.max_video_bytes"));
  media_options.max_audio_bytes = static_cast<size_t>(config->Int("media.max_audio_bytes"));
  media::MediaService media(
      **store, clock, media_options,
      media::ProofsOfResidenceFirst(**store, areas, ReportMediaAccess(**store, areas, reports)));
  s = media.Open();
  if (!s.ok()) return Fail(s);

  community::MembershipOptions membership_options;
  membership_options.max_per_day = static_cast<int>(config->Int("memberships.max_per_day"));
  community::MembershipService memberships(**store, areas, membership_options);
  community::FamilyService family(**store);

  community::CommentServiceOptions comment_options;
  comment_options.max_per_minute = static_cast<int>(config->Int("community.comments_per_minute"));
  comment_options.max_per_day = static_cast<int>(config->Int("community.comments_per_day"));
  community::CommentService comments(**store, comment_options);

  dispatch::IncidentOptions incident_options;
  incident_options.duplicate_radius_m =
      static_cast<double>(config->Int("incidents.duplicate_radius_m"));
  incident_options.duplicate_window_ms = config->Int("incidents.duplicate_window_s") * 1000;
  incident_options.default_area = report_options.default_area;
  dispatch::IncidentService incidents(**store, areas, categories, incident_options);
  tracking::PositionIndex position_index;
  dispatch::UnitService units(**store, areas, position_index,
                              config->Int("tracking.stale_after_s") * 1000);
  s = units.Load();
  if (!s.ok()) return Fail(s);
  tracking::PositionOptions position_options;
  position_options.retention_ms = config->Int("tracking.retention_days") * 24 * 3600 * 1000;
  position_options.scope_for = [&units](const std::string& unit_id) {
    auto u = units.Get(unit_id);
    return u ? "staff:area:" + u->home_area : std::string("admin");
  };
  tracking::PositionService positions(**store, position_index, position_options);
  s = positions.Load();
  if (!s.ok()) return Fail(s);
  // The demo fleet and its device keys (for `centinela simulate`, see app/simulate.h).
  const std::string demo_units_file = config->Str("data_dir") + "/demo-units.json";
  if (demo) {
    s = LoadDemoUnits(**store, units, positions, demo_units_file);
    if (!s.ok()) return Fail(Status(s.code(), "demo units: " + s.message()));
  }
  // "unit.stale" on the stream once a unit has been silent for tracking.stale_after_s.
  positions.StartStaleSweeper(config->Int("tracking.stale_after_s") * 1000, 15'000);
  dispatch::BroadcastService broadcasts(**store);

  api::ApiContext ctx{**store, accounts, areas, metrics, CENTINELA_VERSION};
  ctx.categories = &categories;
  ctx.reports = &reports;
  ctx.media = &media;
  ctx.comments = &comments;
  ctx.memberships = &memberships;
  ctx.family = &family;
  community::RateLimiter registrations(static_cast<int>(config->Int("auth.register_max_per_minute_per_ip")),
                                       static_cast<int>(config->Int("auth.register_max_per_day_per_ip")),
                                       clock);
  ctx.registrations = &registrations;
  // The crime map's in-memory index: every complaint and report now, then the log.
  crime::IncidentIndex crime_index;
  crime::IncidentFeed crime_feed(**store, areas, crime_index);
  s = crime_feed.LoadAll();
  if (!s.ok()) return Fail(s);
  spdlog::info("crime map: {} incidents indexed", crime_index.size());
  ctx.crime_index = &crime_index;
  ctx.crime_feed = &crime_feed;
  ctx.incidents = &incidents;
  ctx.units = &units;
  ctx.positions = &positions;
  ctx.broadcasts = &broadcasts;
  // The live stream (realtime/): the hub follows the bus (every node's events on
  // PostgreSQL) and fans them out to /api/v1/stream sessions.
  realtime::StoreEventSource stream_source(**store);
  realtime::HubOptions hub_options;
  hub_options.max_queue = static_cast<size_t>(config->Int("stream.max_queue"));
  hub_options.max_sessions_per_user = static_cast<int>(config->Int("stream.max_sessions_per_user"));
  hub_options.replay_max_events = config->Int("stream.replay_max_events");
  hub_options.replay_max_age_ms = config->Int("stream.replay_max_age_ms");
  hub_options.area_path = [&areas](const std::string& code) { return areas.Path(code); };
  hub_options.report_lookup = [&ctx](const std::string& id) { return api::ReportInfoFor(ctx, id); };
  hub_options.area_descendants = [&areas](const std::string& code) { return areas.Descendants(code); };
  hub_options.areas_meeting = [&areas](const std::vector<std::pair<double, double>>& ring) {
    return areas.CodesMeeting(ring);
  };
  hub_options.areas_at = [&areas](double lat, double lon) { return areas.CodesAt(lat, lon); };
  hub_options.refresh = [&ctx](const std::string& user) { return api::SubscriberForUser(ctx, user); };
  hub_options.metrics = &metrics;
  realtime::Hub hub(stream_source, hub_options);
  const events::Bus::SubscriptionId hub_subscription =
      bus.Subscribe([&hub](const std::vector<store::Event>& events) { hub.OnCommit(events); });
  s = hub.Start();
  if (!s.ok()) return Fail(s);
  realtime::StreamOptions stream_options;
  stream_options.max_queue = hub_options.max_queue;
  stream_options.ping_interval_ms = static_cast<int>(config->Int("stream.ping_interval_ms"));
  stream_options.idle_timeout_ms = static_cast<int>(config->Int("stream.idle_timeout_ms"));
  stream_options.write_timeout_ms = static_cast<int>(config->Int("stream.write_timeout_ms"));
  stream_options.send_buffer_bytes = static_cast<int>(config->Int("stream.send_buffer_bytes"));
  realtime::StreamServer stream(hub, stream_options, api::StreamAuthenticator(ctx), metrics);
  http::Router router;
  api::AddAllRoutes(router, ctx);
  api::AddStreamRoutes(router, ctx, stream);
  api::WebOptions web_options{api::ResolveWebDir(config->Str("web.dir"), CENTINELA_SOURCE_DIR),
                              config->Str("web.tile_url"), config->Str("web.tile_attribution")};
  api::AddWebRoutes(router, ctx, web_options);
  http::Server server(*server_options, router, metrics);
  s = server.Start();
  if (!s.ok()) return Fail(s);
  // OsmAnd (Traccar Client) on its own port. A port already taken is logged and the API
  // keeps serving: positions still arrive through POST /api/v1/positions.
  http::Router osmand_router;
  api::Install(osmand_router, ctx, api::OsmAndRoutes());
  std::unique_ptr<http::Server> osmand_server;
  if (const std::string osmand_listen = config->Str("tracking.osmand_listen"); !osmand_listen.empty()) {
    Config osmand_config = *config;
    Status set = osmand_config.Set("server.listen", osmand_listen);
    auto osmand_options = set.ok() ? ServerOptionsFrom(osmand_config) : Result<http::ServerOptions>(set);
    if (!osmand_options.ok()) return Fail(osmand_options.status());
    osmand_options->threads = 1;
    osmand_server = std::make_unique<http::Server>(*osmand_options, osmand_router, metrics);
    Status started = osmand_server->Start();
    if (started.ok()) {
      spdlog::info("OsmAnd positions on http://{}:{}", osmand_options->host, osmand_server->port());
    } else {
      spdlog::error("OsmAnd listener on {} did not start: {}", osmand_listen, started.ToString());
      osmand_server.reset();
    }
  }
  spdlog::info("listening on http://{}:{} ({} store)", server_options->host, server.port(), (*store)->Backend());
  if (demo) PrintDemoBanner(server, server_options->host, demo_units_file);

  server.WaitForSignal();
  spdlog::info("signal received: draining requests");
  server.Stop();
  if (osmand_server) osmand_server->Stop();
  bus.Unsubscribe(hub_subscription);
  hub.Stop();
  if (follower) follower->Stop();
  // The grant uses of the last few minutes, for `centinela access review`.
  if (Status flushed = accounts.FlushGrantUse(); !flushed.ok())
    spdlog::warn("grant uses not saved: {}", flushed.ToString());
  (*store)->Close();
  spdlog::info("stopped cleanly");
  return 0;
}

int Migrate(const CommonFlags& flags, char** envp) {
  Result<Config> config = LoadConfig(flags, envp);
  if (!config.ok()) return Fail(config.status());
  InitLogging(config->Str("log.level"), false);
  auto store = OpenConfiguredStore(*config, nullptr);
  if (!store.ok()) return Fail(store.status());
  {
    // Reference data a fresh database needs: the category seed (only when the table is empty).
    community::CategoryService categories(**store);
    Status seeded = categories.Load();
    if (!seeded.ok()) return Fail(seeded);
  }
  auto version = (*store)->SchemaVersion();
  std::cout << "schema version " << (version.ok() ? *version : -1) << " (" << (*store)->Backend() << ")\n";
  (*store)->Close();
  return 0;
}

struct UserAddFlags {
  std::string email, phone, password, role = "neighbour", area, name;
};

int UserAdd(const CommonFlags& flags, const UserAddFlags& u, char** envp) {
  Result<Config> config = LoadConfig(flags, envp);
  if (!config.ok()) return Fail(config.status());
  InitLogging(config->Str("log.level"), false);
  InitCrypto();
  auto role = auth::ParseRole(u.role);
  if (!role) return Fail(InvalidArgument("unknown role '" + u.role + "' (neighbour, operator, responder, analyst, admin)"));
  std::string password = u.password;
  if (password == "-") std::getline(std::cin, password);
  auto store = OpenConfiguredStore(*config, nullptr);
  if (!store.ok()) return Fail(store.status());
  areas::AreaService areas(**store);
  Status s = areas.Load();
  if (!s.ok()) return Fail(s);
  auth::NewUser nu;
  nu.email = u.email;
  nu.phone = u.phone;
  nu.password = password;
  nu.display_name = u.name;
  if (auth::IsAreaScopedRole(*role)) {
    std::string area = u.area.empty() ? std::string(auth::kAllAreas) : u.area;
    if (area != auth::kAllAreas && !areas.Get(area)) return Fail(InvalidArgument("unknown area '" + area + "'"));
    nu.grants.push_back({*role, area});
  }
  SystemClock clock;
  auto options = AccountsOptionsFrom(*config);
  Result<auth::UserView> created = Internal("not run");
  {
    auth::Accounts accounts(**store, clock, options);
    std::promise<Result<auth::UserView>> done;
    accounts.CreateUser(nu, "cli", [&done](Result<auth::UserView> r) { done.set_value(std::move(r)); });
    created = done.get_future().get();
  }
  (*store)->Close();
  if (!created.ok()) return Fail(created.status());
  std::cout << "created user " << created->id << " (" << (u.email.empty() ? u.phone : u.email) << ") role "
            << u.role;
  if (!nu.grants.empty()) std::cout << " over area " << nu.grants[0].area_code;
  std::cout << "\n";
  return 0;
}

int AuditVerify(const CommonFlags& flags, char** envp) {
  Result<Config> config = LoadConfig(flags, envp);
  if (!config.ok()) return Fail(config.status());
  InitLogging(config->Str("log.level"), false);
  auto store = OpenConfiguredStore(*config, nullptr);
  if (!store.ok()) return Fail(store.status());
  const bool tty = isatty(STDERR_FILENO);
  auto report = events::VerifyChain(**store, [tty](int64_t checked) {
    if (tty) std::cerr << "\rchecked " << checked << " events" << std::flush;
  });
  if (tty) std::cerr << "\n";
  (*store)->Close();
  if (!report.ok()) return Fail(report.status());
  if (report->first_broken_seq != 0) {
    std::cout << "BROKEN at seq " << report->first_broken_seq << ": " << report->reason << " ("
              << report->checked << " events checked)\n";
    return 1;
  }
  std::cout << "ok: " << report->checked << " events, hash chain intact\n";
  return 0;
}

int ConfigShow(const CommonFlags& flags, char** envp) {
  Result<Config> config = LoadConfig(flags, envp);
  if (!config.ok()) return Fail(config.status());
  std::cout << config->Dump();
  return 0;
}

int ConfigKeysMarkdown() {
  std::cout << "| key | environment | type | default | meaning |\n|---|---|---|---|---|\n";
  for (const KeySpec& k : ConfigKeys()) {
    const char* type = k.type == KeyType::kInt ? "integer" : k.type == KeyType::kBool ? "boolean" : "string";
    std::cout << "| `" << k.key << "` | `" << EnvName(k.key) << "` | " << type << " | `" << k.default_value
              << "` | " << k.help << " |\n";
  }
  return 0;
}

int ReportAdoptionCommand(const CommonFlags& flags, const AdoptionReportFlags& f, char** envp) {
  Result<Config> config = LoadConfig(flags, envp);
  if (!config.ok()) return Fail(config.status());
  InitLogging(config->Str("log.level"), false);
  auto store = OpenConfiguredStore(*config, nullptr);
  if (!store.ok()) return Fail(store.status());
  Result<std::string> text = Internal("not run");
  {
    areas::AreaService areas(**store);
    Status s = areas.Load();
    if (!s.ok()) return Fail(s);
    community::MembershipService memberships(**store, areas, community::MembershipOptions{});
    text = RenderAdoptionReport(**store, areas, memberships, f);
  }
  (*store)->Close();
  if (!text.ok()) return Fail(text.status());
  std::cout << *text;
  return 0;
}

int ReportMonthlyCommand(const CommonFlags& flags, const MonthlyReportFlags& f, char** envp) {
  Result<Config> config = LoadConfig(flags, envp);
  if (!config.ok()) return Fail(config.status());
  InitLogging(config->Str("log.level"), false);
  auto store = OpenConfiguredStore(*config, nullptr);
  if (!store.ok()) return Fail(store.status());
  int rc = 1;
  {
    areas::AreaService areas(**store);
    Status s = areas.Load();
    if (!s.ok()) return Fail(s);
    community::MembershipService memberships(**store, areas, community::MembershipOptions{});
    rc = RunMonthlyReport(**store, areas, memberships, f);
  }
  (*store)->Close();
  return rc;
}

int ImportComplaintsCommand(const CommonFlags& flags, const ImportComplaintsFlags& f, char** envp) {
  Result<Config> config = LoadConfig(flags, envp);
  if (!config.ok()) return Fail(config.status());
  InitLogging(config->Str("log.level"), false);
  InitCrypto();
  auto store = OpenConfiguredStore(*config, nullptr);
  if (!store.ok()) return Fail(store.status());
  int rc = 0;
  {
    community::CategoryService categories(**store);  // seeds the category codes mappings use
    Status seeded = categories.Load();
    if (!seeded.ok()) return Fail(seeded);
    rc = ImportComplaints(**store, f);
  }
  (*store)->Close();
  return rc;
}

int AccessReviewCommand(const CommonFlags& flags, const AccessReviewFlags& f, char** envp) {
  Result<Config> config = LoadConfig(flags, envp);
  if (!config.ok()) return Fail(config.status());
  if (f.days < 1) return Fail(InvalidArgument("--days must be at least 1"));
  InitLogging(config->Str("log.level"), false);
  auto store = OpenConfiguredStore(*config, nullptr);
  if (!store.ok()) return Fail(store.status());
  SystemClock clock;
  const int64_t now = clock.NowMs();
  auto rows = auth::UnusedGrants(**store, now - int64_t{f.days} * 24 * 3600 * 1000);
  (*store)->Close();
  if (!rows.ok()) return Fail(rows.status());
  Result<std::string> text = RenderAccessReview(*rows, f, now);
  if (!text.ok()) return Fail(text.status());
  std::cout << *text;
  return 0;
}

}  // namespace

int RunCli(int argc, char** argv, char** envp) {
  CLI::App app{"Centinela: community safety and emergency coordination server"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("centinela ") + CENTINELA_VERSION);

  // The command table.
  CommonFlags serve_flags, migrate_flags, user_flags, audit_flags, config_flags;
  std::string listen;
  bool demo = false;
  CLI::App* serve = app.add_subcommand("serve", "Run the HTTP server (migrates the store first)");
  AddCommonFlags(serve, serve_flags);
  serve->add_option("--listen", listen, "HOST:PORT to listen on (default 127.0.0.1:8080)");
  serve->add_flag("--demo", demo, "Load the South Precinct demo areas and accounts, print the logins");

  CLI::App* migrate = app.add_subcommand("migrate", "Apply pending schema migrations and exit");
  AddCommonFlags(migrate, migrate_flags);

  CLI::App* user = app.add_subcommand("user", "Manage accounts");
  user->require_subcommand(1);
  UserAddFlags ua;
  CLI::App* user_add = user->add_subcommand("add", "Create an account (the first admin: --role admin without --area)");
  AddCommonFlags(user_add, user_flags);
  user_add->add_option("--email", ua.email, "Email address (or --phone)");
  user_add->add_option("--phone", ua.phone, "Phone number, +56912345678 (or --email)");
  user_add->add_option("--password", ua.password, "Password, at least 10 characters; '-' reads it from stdin")->required();
  user_add->add_option("--role", ua.role, "neighbour, operator, responder, analyst or admin")->capture_default_str();
  user_add->add_option("--area", ua.area, "Area code the staff role covers (with descendants); omitted = all areas");
  user_add->add_option("--name", ua.name, "Display name");

  CLI::App* audit = app.add_subcommand("audit", "Check the event log");
  audit->require_subcommand(1);
  CLI::App* verify = audit->add_subcommand("verify", "Walk the hash chain; exit 1 naming the first broken seq");
  AddCommonFlags(verify, audit_flags);

  CLI::App* version = app.add_subcommand("version", "Print the version");

  CLI::App* config = app.add_subcommand("config", "Show configuration");
  config->require_subcommand(1);
  CLI::App* config_show = config->add_subcommand("show", "Print the effective configuration (secrets masked)");
  AddCommonFlags(config_show, config_flags);
  CLI::App* config_keys = config->add_subcommand("keys", "Print every configuration key as a Markdown table");

  CLI::App* import = app.add_subcommand("import", "Import formal crime data");
  import->require_subcommand(1);
  CommonFlags import_flags;
  ImportComplaintsFlags icf;
  CLI::App* import_complaints =
      import->add_subcommand("complaints", "Import complaints or monthly counts from CSV (gzip too) under a TOML mapping");
  AddCommonFlags(import_complaints, import_flags);
  import_complaints->add_option("file", icf.file, "CSV file, plain or .gz")->required();
  import_complaints->add_option("--mapping", icf.mapping, "TOML column and category mapping (see mappings/)")->required();
  import_complaints->add_option("--errors", icf.errors, "Where bad rows go (line,reason,record); default ./<file>.errors.csv");

  CLI::App* report = app.add_subcommand("report", "Tables for the precinct meeting");
  report->require_subcommand(1);
  CommonFlags report_flags;
  AdoptionReportFlags arf;
  CLI::App* report_adoption = report->add_subcommand(
      "adoption", "Registered addresses, target (10% of the population), missing, compliance and reports per area");
  AddCommonFlags(report_adoption, report_flags);
  report_adoption->add_option("--area", arf.area, "Area code; its children get one row each")->required();
  report_adoption->add_option("--from", arf.from, "Reports from this day (YYYY-MM-DD, UTC) or epoch ms");
  report_adoption->add_option("--to", arf.to, "Reports before this day (exclusive) or epoch ms");
  report_adoption->add_option("--format", arf.format, "table, csv or json")->capture_default_str();
  MonthlyReportFlags mrf;
  CLI::App* report_monthly = report->add_subcommand(
      "monthly", "The precinct meeting's monthly report: self-contained HTML (maps, tables, charts), PDF with --pdf");
  AddCommonFlags(report_monthly, report_flags);
  report_monthly->add_option("--area", mrf.area, "Area code (the precinct; its children get rows and outlines)")->required();
  report_monthly->add_option("--month", mrf.month, "Month, YYYY-MM (UTC calendar month)")->required();
  report_monthly->add_option("--out", mrf.out_dir, "Directory for informe-<area>-<month>.html/.pdf")->capture_default_str();
  report_monthly->add_flag("--pdf", mrf.pdf, "Also print a PDF with headless chromium");
  report_monthly->add_option("--lang", mrf.lang, "es or en")->capture_default_str();
  report_monthly->add_option("--utc-offset", mrf.utc_offset, "Local time of the hour x weekday matrix and the trend's days, e.g. -03:00")->capture_default_str();
  report_monthly->add_option("--cell", mrf.cell_m, "Grid cell of the maps and Gi*, metres (50-2000)")->capture_default_str();
  report_monthly->add_option("--bandwidth", mrf.bandwidth_m, "Kernel density bandwidth, metres")->capture_default_str();
  report_monthly->add_option("--target-s", mrf.target_s, "Response-time target, seconds")->capture_default_str();

  CLI::App* access = app.add_subcommand("access", "Review who holds access");
  access->require_subcommand(1);
  CommonFlags access_flags;
  AccessReviewFlags arv;
  CLI::App* access_review = access->add_subcommand(
      "review", "Staff grants (user, role, area, granted, last used, last login) unused for --days");
  AddCommonFlags(access_review, access_flags);
  access_review->add_option("--days", arv.days, "List grants not used within this many days")->capture_default_str();
  access_review->add_option("--format", arv.format, "table, csv or json")->capture_default_str();

  SimulateFlags simulate_flags;
  CLI::App* simulate = app.add_subcommand(
      "simulate", "Keep a demo server alive: units patrol and report positions, neighbours report, "
                  "the operator dispatches (HTTP API only)");
  AddSimulateOptions(simulate, simulate_flags);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    if (*serve) return Serve(serve_flags, listen, demo, envp);
    if (*migrate) return Migrate(migrate_flags, envp);
    if (*user_add) {
      if (ua.email.empty() && ua.phone.empty()) return Fail(InvalidArgument("give --email or --phone"));
      return UserAdd(user_flags, ua, envp);
    }
    if (*verify) return AuditVerify(audit_flags, envp);
    if (*version) {
      std::cout << "centinela " << CENTINELA_VERSION << "\n";
      return 0;
    }
    if (*config_show) return ConfigShow(config_flags, envp);
    if (*config_keys) return ConfigKeysMarkdown();
    if (*import_complaints) return ImportComplaintsCommand(import_flags, icf, envp);
    if (*report_adoption) return ReportAdoptionCommand(report_flags, arf, envp);
    if (*simulate) return RunSimulate(simulate_flags);
    if (*report_monthly) return ReportMonthlyCommand(report_flags, mrf, envp);
    if (*access_review) return AccessReviewCommand(access_flags, arv, envp);
  } catch (const std::exception& e) {
    spdlog::error("fatal: {}", e.what());
    std::cerr << "centinela: fatal: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace centinela::app
