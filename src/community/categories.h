#pragma once
// Categories: what happened (robo, incendio, luminaria apagada, ...), with the agencies it
// is routed to, its default priority and its sensitivity. Kept in the store, seeded with a
// Latin American set when the table is empty, mirrored in memory after every commit.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "store/inflight.h"
#include "store/store.h"

namespace centinela::community {

//! public: shown to the neighbourhood; restricted: never shown to the community (gender
//! violence, sexual offences, panic) — only the reporter, chosen family and covering staff.
enum class Sensitivity { kPublic, kRestricted };
std::string_view SensitivityName(Sensitivity s);
std::optional<Sensitivity> ParseSensitivity(std::string_view name);

struct Category {
  std::string code;    //!< [a-z0-9_]{1,64}, e.g. "robo_vehiculo"
  std::string family;  //!< auth::TaskFamily: crime | emergency | violence | city_service | logistics | disaster | border
  std::string label_es;
  std::string label_en;
  std::vector<std::string>
      agencies;      //!< of auth::AgencyTable(); a support-only one (armed_forces) only for support families
  int priority = 3;  //!< 1 (most urgent) to 4
  Sensitivity sensitivity = Sensitivity::kPublic;
  bool active = true;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

struct CategoryPatch {
  std::optional<std::string> family, label_es, label_en;
  std::optional<std::vector<std::string>> agencies;
  std::optional<int> priority;
  std::optional<Sensitivity> sensitivity;
  std::optional<bool> active;
};

//! Every field's rule (code format, family, agencies known and unique, priority 1-4,
//! labels 1-100 bytes). Pure.
Status ValidateCategory(const Category& c);
//! The seed set (about 30 categories). Pure.
const std::vector<Category>& SeedCategories();

//! Every category row as stored (no cache): for modules that index categories themselves
//! (the crime map, the complaints importer).
Result<std::vector<Category>> LoadCategories(store::Store& store);

//! Thread-safe. Write callbacks run on the store's writer thread after a durable commit.
class CategoryService {
 public:
  explicit CategoryService(store::Store& store);
  //! Waits for writes still in flight (their callbacks touch *this).
  ~CategoryService();
  CategoryService(const CategoryService&) = delete;
  CategoryService& operator=(const CategoryService&) = delete;

  //! Seeds the table when it is empty (one event "category.created" per seeded row), then
  //! loads every category into memory. Call once at start.
  Status Load();

  //! Validates and stores with a "category.created" event; 409 if the code exists.
  void Create(Category c, std::string actor, std::function<void(Result<Category>)> done);
  //! Applies a patch with a "category.updated" event; 404 unknown.
  void Update(std::string code, CategoryPatch patch, std::string actor,
              std::function<void(Result<Category>)> done);

  std::optional<Category> Get(const std::string& code) const;
  //! Every category ordered by code.
  std::vector<Category> List() const;

 private:
  void Submit(store::WriteFn fn, std::function<void(Status)> done);

  store::Store& store_;
  mutable SharedMutex mu_;
  std::map<std::string, Category> by_code_ GUARDED_BY(mu_);

  // Last member: destroyed first, so the destructor waits for queued writes whose
  // completions still touch this service.
  store::InflightWrites writes_{store_};
};

}  // namespace centinela::community
