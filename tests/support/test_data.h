#pragma once
// Where tests find their data. Fixtures the suite needs live in tests/testdata (carried by
// the repository, each file's origin in tests/testdata/README.md). The large public files
// (whole city boundary sets, the full crime files) are not carried: they are read from the
// data folder named by CENTINELA_LARGE_DATA_DIR (default: the shared data folder beside the
// checkout, ../shared/data), and a test that needs one skips, naming the file, when it is
// absent — so a clone on any machine passes, and says what it did not check.
// Needs CENTINELA_SOURCE_DIR (every test target defines it).

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace centinela::test {

//! CENTINELA_SOURCE_DIR "/tests/testdata/" + relative: a fixture the repository carries.
inline std::string TestDataPath(const std::string& relative) {
  return std::string(CENTINELA_SOURCE_DIR) + "/tests/testdata/" + relative;
}

//! The large-data folder: $CENTINELA_LARGE_DATA_DIR, else ../shared/data beside the checkout.
inline std::string LargeDataDir() {
  const char* env = std::getenv("CENTINELA_LARGE_DATA_DIR");
  if (env != nullptr && *env != '\0') return env;
  return std::string(CENTINELA_SOURCE_DIR) + "/../shared/data";
}

//! LargeDataDir() + "/" + relative (the file may be absent: see CENTINELA_NEED_LARGE_DATA).
inline std::string LargeDataPath(const std::string& relative) {
  return LargeDataDir() + "/" + relative;
}

//! The message a test skips with when a large file is absent.
inline std::string LargeDataMissing(const std::string& path) {
  return "skipped: large data file " + path +
         " is absent (it is not carried by the repository; set CENTINELA_LARGE_DATA_DIR to the "
         "folder holding the shared public data to run this check — tests/testdata/README.md)";
}

}  // namespace centinela::test

//! Declares `const std::string var` = LargeDataPath(relative), or skips the test (with a
//! message naming the file) when it is absent. Use in a test body or a fixture's SetUp.
#define CENTINELA_NEED_LARGE_DATA(var, relative)                           \
  const std::string var = ::centinela::test::LargeDataPath(relative);      \
  if (!std::filesystem::exists(var)) {                                     \
    GTEST_SKIP() << ::centinela::test::LargeDataMissing(var);              \
  }                                                                        \
  static_assert(true, "")
