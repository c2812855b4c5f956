#pragma once
// Typed access to the `media` rows that media/media.cc owns, for the modules that check an
// id they were given (a report's photos, a proof of residence, a step's photo). Its own
// small library (centinela_media_rows: store only), so community and dispatch can read
// media rows without linking the media service, which itself reads memberships.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/store.h"

namespace centinela::media {

//! The uploader of media `id`; nullopt when there is no such media.
Result<std::optional<std::string>> MediaOwner(store::Tx& tx, const std::string& id);
Result<std::optional<std::string>> MediaOwner(store::Store& store, const std::string& id);

//! How many of `ids` (distinct) name media uploaded by `owner_id`.
Result<size_t> CountOwnedMedia(store::Tx& tx, const std::string& owner_id,
                               const std::vector<std::string>& ids);

}  // namespace centinela::media
