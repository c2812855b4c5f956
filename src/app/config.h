#pragma once
// Configuration: one table of typed, defaulted, documented keys (kKeys in config.cc, built
// from the typed constants of config_keys.h).
// Sources, later ones winning: defaults < TOML file (--config) < CENTINELA_* environment
// variables < command-line flags. docs/operations.md lists every key; a unit test keeps
// the two in step.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "app/config_keys.h"
#include "common/status.h"

namespace centinela::app {

enum class KeyType { kString, kInt, kBool };

struct KeySpec {
  KeySpec(StrKey k, const char* def, const char* h) : key(k.name), type(KeyType::kString), default_value(def), help(h) {}
  KeySpec(IntKey k, const char* def, const char* h) : key(k.name), type(KeyType::kInt), default_value(def), help(h) {}
  KeySpec(BoolKey k, const char* def, const char* h) : key(k.name), type(KeyType::kBool), default_value(def), help(h) {}
  const char* key;          //!< dotted TOML path, e.g. "server.listen"
  KeyType type;
  const char* default_value;
  const char* help;
};

//! Every configuration key, built from the constants of config_keys.h.
const std::vector<KeySpec>& ConfigKeys();
//! The Markdown table of every key (`centinela config keys`; docs/operations.md holds it).
std::string ConfigKeysTable();
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

  //! Typed reads: only the constants of config_keys.h compile here.
  std::string Str(StrKey key) const;
  int64_t Int(IntKey key) const;
  bool Bool(BoolKey key) const;

  //! The effective store URL: store.url, or sqlite:<data_dir>/centinela.db when empty.
  std::string StoreUrl() const;

  //! key = value lines for `centinela config show`, with the URL's password masked.
  std::string Dump() const;

 private:
  std::string Value(const char* key) const;
  std::map<std::string, std::string> values_;
};

}  // namespace centinela::app
