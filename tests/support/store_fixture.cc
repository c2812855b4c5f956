#include "support/store_fixture.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>

#include "common/hash.h"

namespace centinela::test {

void StoreFixture::OpenStore(store::StoreOptions options) {
  InitCrypto();
  const std::string suffix = std::to_string(::getpid()) + "_" + ToHex(RandomBytes(6));
  if (GetParam() == "postgresql") {
    const char* pg = std::getenv(kPgUrlEnv);
    if (pg == nullptr || *pg == '\0') GTEST_SKIP() << kPgUrlEnv << " is not set";
    admin_ = PQconnectdb(pg);
    ASSERT_EQ(PQstatus(admin_), CONNECTION_OK) << PQerrorMessage(admin_);
    PQclear(PQexec(admin_, "SET client_min_messages TO warning"));
    schema_ = "t_" + suffix;
    PGresult* r = PQexec(admin_, ("CREATE SCHEMA " + schema_).c_str());
    const bool created = PQresultStatus(r) == PGRES_COMMAND_OK;
    const std::string error = PQresultErrorMessage(r);
    PQclear(r);
    ASSERT_TRUE(created) << error;
    const std::string base(pg);
    url_ = base + (base.find('?') == std::string::npos ? '?' : '&') +
           "options=-csearch_path%3D" + schema_;
  } else {
    dir_ = std::filesystem::temp_directory_path() / ("centinela_store_fixture_" + suffix);
    std::filesystem::create_directories(dir_);
    url_ = "sqlite:" + (dir_ / "t.db").string();
  }
  auto s = store::OpenStore(url_, options);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  store_ = std::move(s).value();
  auto v = store_->Migrate();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
}

void StoreFixture::TearDown() {
  if (store_) store_->Close();
  store_.reset();
  if (admin_) {
    if (!schema_.empty())
      PQclear(PQexec(admin_, ("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE").c_str()));
    PQfinish(admin_);
    admin_ = nullptr;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

}  // namespace centinela::test
