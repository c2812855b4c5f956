#pragma once
// Direct database access for integration tests: what an attacker or a crash would see,
// behind the server's back. SQLite through its C API, PostgreSQL through libpq.

#include <string>
#include <vector>

namespace centinela::testing {

//! A database for one test: SQLite under `dir`, or a fresh schema in the PostgreSQL given by
//! CENTINELA_TEST_PG_URL. url() is what `centinela --db` takes.
class TestDatabase {
 public:
  TestDatabase(const std::string& backend, const std::string& dir);
  ~TestDatabase();
  //! False (with reason()) when the backend is postgresql and no server was given.
  bool available() const { return available_; }
  const std::string& reason() const { return reason_; }
  const std::string& url() const { return url_; }

  //! Runs a statement; returns the first column of every row as text ("" for NULL).
  std::vector<std::string> Column(const std::string& sql);
  //! Runs a statement that returns no rows; throws on error.
  void Exec(const std::string& sql);

 private:
  std::string backend_, dir_, url_, base_url_, schema_, reason_;
  bool available_ = true;
};

}  // namespace centinela::testing
