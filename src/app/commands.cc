#include "app/commands.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <future>
#include <iostream>

#include "api/context.h"
#include "api/route.h"
#include "api/static_api.h"
#include "api/stream_api.h"
#include "common/redact.h"
#include "app/access_review.h"
#include "app/app.h"
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
    Status s = c->Set(keys::kStoreUrl.name, f.db);
    if (!s.ok()) return s;
  }
  if (!f.data_dir.empty()) {
    Status s = c->Set(keys::kDataDir.name, f.data_dir);
    if (!s.ok()) return s;
  }
  return c;
}

int Fail(const Status& s) {
  std::cerr << "centinela: " << s.message() << "\n";
  return s.code() == Code::kInvalidArgument ? 2 : 1;
}

void PrintDemoBanner(uint16_t port, const std::string& host, const std::string& units_file) {
  std::string shown = host == "0.0.0.0" || host == "127.0.0.1" ? "localhost" : host;
  std::cout << "\n  Centinela demo is running: http://" << shown << ":" << port << "/\n"
            << "  Health: http://" << shown << ":" << port << "/healthz\n"
            << "  API:    http://" << shown << ":" << port << "/api/v1/  (POST /api/v1/auth/login)\n\n"
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
    Status s = config->Set(keys::kServerListen.name, listen);
    if (!s.ok()) return Fail(s);
  }
  InitLogging(config->Str(keys::kLogLevel), config->Bool(keys::kLogAccess));
  InitCrypto();
  AppOptions options;
  options.demo = demo;
  Result<std::unique_ptr<App>> app = App::Start(*config, options);
  if (!app.ok()) return Fail(app.status());
  if (demo) PrintDemoBanner((*app)->port(), (*app)->host(), (*app)->demo_units_file());
  (*app)->WaitForSignal();
  spdlog::info("signal received: draining requests");
  (*app)->Stop();
  spdlog::info("stopped cleanly");
  return 0;
}

int Migrate(const CommonFlags& flags, char** envp) {
  Result<Config> config = LoadConfig(flags, envp);
  if (!config.ok()) return Fail(config.status());
  InitLogging(config->Str(keys::kLogLevel), false);
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
  InitLogging(config->Str(keys::kLogLevel), false);
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
  InitLogging(config->Str(keys::kLogLevel), false);
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


int ReportAdoptionCommand(const CommonFlags& flags, const AdoptionReportFlags& f, char** envp) {
  Result<Config> config = LoadConfig(flags, envp);
  if (!config.ok()) return Fail(config.status());
  InitLogging(config->Str(keys::kLogLevel), false);
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
  InitLogging(config->Str(keys::kLogLevel), false);
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
  InitLogging(config->Str(keys::kLogLevel), false);
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
  InitLogging(config->Str(keys::kLogLevel), false);
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

  std::string routes_format = "table";
  CLI::App* routes = app.add_subcommand(
      "routes", "Every API route and who may call it (public, signed-in user with roles and area, device key)");
  routes->add_option("--format", routes_format, "table or json")->check(CLI::IsMember({"table", "json"}))->capture_default_str();

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
    if (*config_keys) {
      std::cout << ConfigKeysTable();
      return 0;
    }
    if (*routes) {
      std::cout << (routes_format == "json" ? api::RoutesJson(api::ApiRoutes()) + "\n"
                                            : api::RoutesTable(api::ApiRoutes()));
      return 0;
    }
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
