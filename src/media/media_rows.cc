#include "media/media_rows.h"

#include "store/sql.h"

namespace centinela::media {

namespace {

constexpr const char* kOwnerSql = "SELECT owner_id FROM media WHERE id = $1";

std::optional<std::string> OwnerOf(const store::Rows& rows) {
  if (rows.empty()) return std::nullopt;
  return rows.Text(0, "owner_id");
}

}  // namespace

Result<std::optional<std::string>> MediaOwner(store::Tx& tx, const std::string& id) {
  auto rows = tx.Exec(kOwnerSql, {id});
  if (!rows.ok()) return rows.status();
  return OwnerOf(*rows);
}

Result<std::optional<std::string>> MediaOwner(store::Store& store, const std::string& id) {
  auto rows = store.Query(kOwnerSql, {id});
  if (!rows.ok()) return rows.status();
  return OwnerOf(*rows);
}

Result<size_t> CountOwnedMedia(store::Tx& tx, const std::string& owner_id,
                               const std::vector<std::string>& ids) {
  store::Params p{owner_id};
  std::string sql = "SELECT id FROM media WHERE owner_id = $1 AND id IN ";
  sql += store::InList(p, ids);
  auto found = tx.Exec(sql, p);
  if (!found.ok()) return found.status();
  return found->size();
}

}  // namespace centinela::media
