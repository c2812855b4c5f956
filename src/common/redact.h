#pragma once
// The one redaction of connection strings: for logs, error messages and `config show`.

#include <string>
#include <string_view>

namespace centinela {

//! The connection string with every password replaced by "***", safe to log. Handles URLs
//! ("postgresql://user:secret@host/db?password=secret", a password holding '@' included)
//! and key=value conninfo strings ("host=h password='secret'"); other strings unchanged.
std::string RedactUrl(std::string_view url);

}  // namespace centinela
