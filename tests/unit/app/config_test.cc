#include "app/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace centinela::app {
namespace {

std::string WriteTemp(const std::string& name, const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / ("centinela-config-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  std::ofstream(path) << text;
  return path.string();
}

TEST(Config, DefaultsCoverEveryKey) {
  char* env[] = {nullptr};
  auto c = Config::Load("", env);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->Str(keys::kServerListen), "127.0.0.1:8080");
  EXPECT_EQ(c->Int(keys::kStoreMaxBatch), 256);
  EXPECT_TRUE(c->Bool(keys::kStoreSynchronousFull));
  EXPECT_EQ(c->StoreUrl(), "sqlite:./data/centinela.db");
}

TEST(Config, TomlThenEnvironmentOverride) {
  std::string path = WriteTemp("a.toml", "data_dir = \"/var/lib/centinela\"\n[server]\nlisten = \"0.0.0.0:9000\"\nthreads = 3\n");
  std::string env_listen = "CENTINELA_SERVER_LISTEN=127.0.0.1:7000";
  char* env[] = {env_listen.data(), nullptr};
  auto c = Config::Load(path, env);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->Str(keys::kServerListen), "127.0.0.1:7000");  // environment wins over the file
  EXPECT_EQ(c->Int(keys::kServerThreads), 3);
  EXPECT_EQ(c->StoreUrl(), "sqlite:/var/lib/centinela/centinela.db");
}

TEST(Config, UnknownKeyAndWrongTypeAreErrorsNamingTheKey) {
  char* env[] = {nullptr};
  auto bad_key = Config::Load(WriteTemp("b.toml", "[server]\nlisen = \"x\"\n"), env);
  ASSERT_FALSE(bad_key.ok());
  EXPECT_NE(bad_key.status().message().find("server.lisen"), std::string::npos);
  auto bad_type = Config::Load(WriteTemp("c.toml", "[server]\nthreads = \"many\"\n"), env);
  ASSERT_FALSE(bad_type.ok());
  EXPECT_NE(bad_type.status().message().find("server.threads"), std::string::npos);
  auto bad_syntax = Config::Load(WriteTemp("d.toml", "[server\n"), env);
  EXPECT_FALSE(bad_syntax.ok());
  std::string env_bad = "CENTINELA_STORE_MAX_BATCH=lots";
  char* env2[] = {env_bad.data(), nullptr};
  auto bad_env = Config::Load("", env2);
  ASSERT_FALSE(bad_env.ok());
  EXPECT_NE(bad_env.status().message().find("CENTINELA_STORE_MAX_BATCH"), std::string::npos);
}

TEST(Config, SetValidatesTypes) {
  char* env[] = {nullptr};
  auto c = Config::Load("", env);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->Set("store.synchronous_full", "yes").ok());
  EXPECT_FALSE(c->Set("no.such.key", "1").ok());
  EXPECT_TRUE(c->Set("store.url", "postgresql://u:secret@h/db").ok());
  EXPECT_EQ(c->Dump().find("secret"), std::string::npos);
}

// `config show` used its own, weaker redaction: a password holding '@' or given as a query
// parameter went out. It now uses the one in common/redact.h.
TEST(Config, ShowNeverPrintsAPassword) {
  char* env[] = {nullptr};
  for (const char* url : {"postgresql://u:p@ss-word@h/db", "postgresql://u@h/db?password=s3cr3t-pw",
                          "host=h user=u password=s3cr3t-pw dbname=d"}) {
    auto c = Config::Load("", env);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c->Set("store.url", url).ok());
    const std::string dump = c->Dump();
    EXPECT_EQ(dump.find("ss-word"), std::string::npos) << dump;
    EXPECT_EQ(dump.find("s3cr3t"), std::string::npos) << dump;
    EXPECT_NE(dump.find("store.url = "), std::string::npos) << dump;
  }
}

std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(CENTINELA_SOURCE_DIR) + "/" + relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// docs/operations.md is what a sysadmin deploys from: its key table is exactly what
// `centinela config keys` prints (regenerate it with that command when a key changes).
TEST(Config, OperationsGuideHoldsTheKeyTableVerbatim) {
  const std::string doc = ReadSource("docs/operations.md");
  ASSERT_FALSE(doc.empty()) << "docs/operations.md is missing";
  const std::string table = ConfigKeysTable();
  EXPECT_NE(doc.find(table), std::string::npos)
      << "docs/operations.md's configuration table differs from `centinela config keys`:\n" << table;
  for (const KeySpec& k : ConfigKeys())
    EXPECT_NE(doc.find(EnvName(k.key)), std::string::npos) << EnvName(k.key);
}

// Every typed constant of config_keys.h is a row of the table, and every row has its
// constant (the table is built from them, so a row cannot be added without one).
TEST(Config, EveryKeyConstantIsARow) {
  const std::string header = ReadSource("src/app/config_keys.h");
  ASSERT_FALSE(header.empty());
  std::set<std::string> constants;
  std::regex decl(R"re(inline constexpr (Str|Int|Bool)Key k\w+\{"([a-z_.]+)"\};)re");
  for (auto it = std::sregex_iterator(header.begin(), header.end(), decl); it != std::sregex_iterator(); ++it)
    constants.insert((*it)[2].str());
  std::set<std::string> rows;
  for (const KeySpec& k : ConfigKeys()) rows.insert(k.key);
  EXPECT_EQ(constants, rows);
  EXPECT_EQ(rows.size(), ConfigKeys().size()) << "a key is listed twice";
}

}  // namespace
}  // namespace centinela::app
