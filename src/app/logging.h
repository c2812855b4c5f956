#pragma once
#include <string>

namespace centinela::app {

//! Sets up JSON-lines logging on stderr: the default logger writes
//! {"time","level","logger","msg"}, and the "access" logger (one line per HTTP request,
//! written by the server as a JSON object) on stdout, silenced when `access` is false.
void InitLogging(const std::string& level, bool access);

}  // namespace centinela::app
