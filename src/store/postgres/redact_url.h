#pragma once
// Private to the PostgreSQL backend (and its tests).

#include <string>
#include <string_view>

namespace centinela::store {

//! The connection string with every password replaced by "***", safe to log. Handles URLs
//! ("postgresql://user:secret@host/db?password=secret") and key=value conninfo strings
//! ("host=h password='secret'").
std::string RedactUrl(std::string_view url);

}  // namespace centinela::store
