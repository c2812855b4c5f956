#pragma once
// Configuration: one table of typed, defaulted, documented keys (kKeys in config.cc).
// Sources, later ones winning: defaults < TOML file (--config) < CENTINELA_* environment
// variables < command-line flags. docs/operations.md lists every key; a unit test keeps
// the two in step.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace centinela::app {

enum class KeyType { kString, kInt, kBool };

struct KeySpec {
  const char* key;          //!< dotted TOML path, e.g. "server.listen"
  KeyType type;
  const char* default_value;
  const char* help;
};

//! Every configuration key.
const std::vector<KeySpec>& ConfigKeys();
//! "CENTINELA_SERVER_LISTEN" for "server.listen".
std::string EnvName(const std::string& key);

//! Validated configuration values.
class Config {
 public:
  //! Defaults, then the TOML file when `path` is non-empty (unknown keys and wrong types
  //! are errors naming the key), then the environment.
  static Result<Config> Load(const std::string& path, char** envp);

  //! Sets a key from text (used for flags); validates the type.
  Status Set(const std::string& key, const std::string& value);

  std::string Str(const std::string& key) const;
  int64_t Int(const std::string& key) const;
  bool Bool(const std::string& key) const;

  //! The effective store URL: store.url, or sqlite:<data_dir>/centinela.db when empty.
  std::string StoreUrl() const;

  //! key = value lines for `centinela config show`, with the URL's password masked.
  std::string Dump() const;

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace centinela::app
