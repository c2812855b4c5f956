#pragma once
// `centinela import complaints FILE --mapping M [--errors FILE]` (see docs/operations.md).

#include <string>

#include "store/store.h"

namespace centinela::app {

struct ImportComplaintsFlags {
  std::string file;
  std::string mapping;
  std::string errors;  //!< default: ./<file name>.errors.csv
};

//! Runs the import against an open, migrated store with seeded categories; prints progress
//! (a bar on a terminal, a line per 10% otherwise) and the counts. Returns the exit code:
//! 0 imported (bad rows may have been reported), 1 failed (nothing imported), 2 bad usage.
int ImportComplaints(store::Store& store, const ImportComplaintsFlags& flags);

}  // namespace centinela::app
