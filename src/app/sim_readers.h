#pragma once
// What `centinela simulate` reads before it starts: the units file `serve --demo` writes and
// the server's category list, weighted by the demo mix of what neighbours report and what
// 911 calls are about. Pure over their inputs (a path, a parsed answer); tested alone.

#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "common/status.h"

namespace centinela::app::sim {

//! One unit of the units file (DATA_DIR/demo-units.json).
struct DemoUnitEntry {
  std::string id, callsign, kind, agency, home_area, crew_login, device_key;
};

//! Reads the units file: NotFound if it cannot be read, InvalidArgument if it is not a
//! units file, lists none, or a unit lacks id, home_area or device_key.
Result<std::vector<DemoUnitEntry>> ReadUnitsFile(const std::string& path);

//! A category the simulator raises: the server's code, family and priority, and how often
//! it comes up in reports and in calls.
struct Category {
  std::string code, family;
  int priority = 3;
  double report_weight = 0, call_weight = 0;
  std::string text;  //!< a line a neighbour or a caller would say
};

//! The active categories of a GET /api/v1/categories answer that the demo mix names, with
//! its weights; restricted ones (sensitivity other than public) only as calls. Throws
//! (Boost.JSON) on an answer of another shape.
std::vector<Category> CategoriesFromAnswer(const boost::json::value& answer);

//! A first or family name for a demo neighbour or caller (indices wrap around).
const char* FirstName(uint64_t i);
const char* Surname(uint64_t i);

}  // namespace centinela::app::sim
