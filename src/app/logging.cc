#include "app/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace centinela::app {

namespace {

// %* : the log message as a JSON string body (escaped, without quotes).
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    for (char ch : msg.payload) {
      auto c = static_cast<unsigned char>(ch);
      switch (c) {
        case '"': dest.append(std::string_view("\\\"")); break;
        case '\\': dest.append(std::string_view("\\\\")); break;
        case '\n': dest.append(std::string_view("\\n")); break;
        case '\r': dest.append(std::string_view("\\r")); break;
        case '\t': dest.append(std::string_view("\\t")); break;
        default:
          if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            dest.append(std::string_view(buf));
          } else {
            dest.push_back(ch);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

}  // namespace

void InitLogging(const std::string& level, bool access) {
  auto main_logger = spdlog::stderr_logger_mt("centinela");
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<JsonMessageFlag>('*').set_pattern(
      R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","logger":"%n","msg":"%*"})");
  main_logger->set_formatter(std::move(formatter));
  main_logger->set_level(spdlog::level::from_str(level));
  main_logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(main_logger);

  if (!spdlog::get("access")) {
    auto access_logger = spdlog::stdout_logger_mt("access");
    access_logger->set_pattern("%v");
    access_logger->set_level(access ? spdlog::level::info : spdlog::level::off);
    access_logger->flush_on(spdlog::level::info);
  }
}

}  // namespace centinela::app
