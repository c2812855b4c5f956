#include "app/import_complaints.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "crime/importer.h"

namespace centinela::app {

namespace {

// Progress on stderr: a redrawn bar on a terminal; elsewhere (CI logs, pipes) one plain line
// per 10% of each phase so logs stay short.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool tty) : tty_(tty) {}

  void operator()(const crime::ImportProgress& p) {
    int pct = p.total > 0 ? static_cast<int>(100 * p.done / p.total) : 100;
    if (pct > 100) pct = 100;
    std::string phase = p.phase;
    if (tty_) {
      constexpr int kWidth = 30;
      int filled = pct * kWidth / 100;
      std::fprintf(stderr, "\r%-5s [%s%s] %3d%%  %lld rows", phase.c_str(),
                   std::string(filled, '#').c_str(), std::string(kWidth - filled, '-').c_str(), pct,
                   static_cast<long long>(p.rows));
      if (phase == "write") std::fprintf(stderr, ", %lld written", static_cast<long long>(p.done));
      std::fflush(stderr);
      if (pct == 100 && phase != last_done_phase_) {
        std::fputc('\n', stderr);
        last_done_phase_ = phase;
      }
      return;
    }
    if (phase != phase_) {
      phase_ = phase;
      next_pct_ = 0;
    }
    if (pct >= next_pct_) {
      std::fprintf(stderr, "%s: %d%% (%lld rows read%s)\n", phase.c_str(), pct,
                   static_cast<long long>(p.rows),
                   phase == "write" ? (", " + std::to_string(p.done) + " written").c_str() : "");
      next_pct_ = (pct / 10 + 1) * 10;
    }
  }

 private:
  bool tty_;
  std::string phase_, last_done_phase_;
  int next_pct_ = 0;
};

}  // namespace

int ImportComplaints(store::Store& store, const ImportComplaintsFlags& flags) {
  std::ifstream in(flags.mapping);
  if (!in) {
    std::cerr << "centinela: cannot read mapping " << flags.mapping << "\n";
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto families = crime::LoadCategoryFamilies(store);
  if (!families.ok()) {
    std::cerr << "centinela: " << families.status().message() << "\n";
    return 1;
  }
  auto mapping = crime::ParseMapping(text.str(), *families);
  if (!mapping.ok()) {
    std::cerr << "centinela: " << flags.mapping << ": " << mapping.status().message() << "\n";
    return 2;
  }
  crime::ImportOptions options;
  options.error_path = flags.errors;
  if (options.error_path.empty())
    options.error_path = std::filesystem::path(flags.file).filename().string() + ".errors.csv";
  auto printer = std::make_shared<ProgressPrinter>(isatty(STDERR_FILENO) != 0);
  options.progress = [printer](const crime::ImportProgress& p) { (*printer)(p); };

  auto report = crime::ImportFile(store, flags.file, *mapping, *families, options);
  if (!report.ok()) {
    std::cerr << "centinela: " << report.status().message() << " (nothing imported)\n";
    return report.status().code() == Code::kInvalidArgument ? 2 : 1;
  }
  std::printf(
      "%s: read %lld, imported %lld, duplicate %lld, bad %lld (%.2f s read, %.2f s write)\n",
      flags.file.c_str(), static_cast<long long>(report->read),
      static_cast<long long>(report->imported), static_cast<long long>(report->duplicate),
      static_cast<long long>(report->bad), report->read_seconds, report->write_seconds);
  if (report->bad > 0) std::printf("bad rows (line, reason): %s\n", options.error_path.c_str());
  return 0;
}

}  // namespace centinela::app
