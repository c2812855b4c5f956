#pragma once
// A real store for one unit test case, per backend: SQLite in a fresh temporary directory,
// or PostgreSQL in a fresh schema of the database named by CENTINELA_TEST_PG_URL (the case
// is skipped when that variable is unset). Suites derive, call OpenStore() from SetUp and
// reset what uses store_ before StoreFixture::TearDown() closes it and drops the database.
//
//   class FooTest : public centinela::test::StoreFixture {
//     void SetUp() override {
//       ASSERT_NO_FATAL_FAILURE(OpenStore());
//       if (IsSkipped()) return;
//       ...
//     }
//   };
//   INSTANTIATE_TEST_SUITE_P(Backends, FooTest, ::testing::Values("sqlite", "postgresql"),
//                            centinela::test::BackendParamName);

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/store.h"

struct pg_conn;

namespace centinela::test {

constexpr const char* kPgUrlEnv = "CENTINELA_TEST_PG_URL";

class StoreFixture : public ::testing::TestWithParam<std::string> {
 protected:
  //! Creates the scratch database for GetParam() ("sqlite" or "postgresql"), opens it with
  //! `options` into store_ and migrates it. GTEST_SKIPs when PostgreSQL is not configured.
  void OpenStore(store::StoreOptions options = {});
  //! OpenStore with `clock` as the store's clock (suites that drive time with a FakeClock).
  void OpenStoreWithClock(const Clock* clock) {
    store::StoreOptions options;
    options.clock = clock;
    OpenStore(options);
  }
  //! Closes store_ and removes the scratch database.
  void TearDown() override;

  std::unique_ptr<store::Store> store_;
  std::string url_;  //!< what OpenStore opened (to open a second handle on the same data)

 private:
  std::filesystem::path dir_;
  pg_conn* admin_ = nullptr;
  std::string schema_;
};

//! Test-name generator for INSTANTIATE_TEST_SUITE_P over backends.
inline std::string BackendParamName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

}  // namespace centinela::test
