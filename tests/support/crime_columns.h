#pragma once
// The [columns] table of a crime-file mapping for the test complaint files, whose header
// is "id,fecha,hora,delito,lat,lon" (and ",comuna" where the file has an area column):
// one spelling for the importer, mapping, crime-map and monthly-report tests, which build
// their mappings with ComplaintMapping() (their own source, offset and tail around it).

#include <string>

namespace centinela::test {

//! id, fecha, hora, delito, lat, lon.
inline constexpr const char* kComplaintColumns =
    "[columns]\nid = \"id\"\ndate = \"fecha\"\ntime = \"hora\"\ncategory = \"delito\"\n"
    "lat = \"lat\"\nlon = \"lon\"\n";

//! kComplaintColumns and the area code column "comuna".
inline constexpr const char* kComplaintColumnsWithArea =
    "[columns]\nid = \"id\"\ndate = \"fecha\"\ntime = \"hora\"\ncategory = \"delito\"\n"
    "lat = \"lat\"\nlon = \"lon\"\narea = \"comuna\"\n";

//! A complaints mapping: source and utc_offset, the [columns] table (with the area column
//! when `with_area`), then `tail` (the test's own [dates], [bounds], [categories]).
inline std::string ComplaintMapping(const std::string& source, const std::string& utc_offset,
                                    bool with_area, const std::string& tail) {
  return "source = \"" + source + "\"\nutc_offset = \"" + utc_offset + "\"\n" +
         (with_area ? kComplaintColumnsWithArea : kComplaintColumns) + tail;
}

//! The [bounds] box around Santiago that the importer and mapping tests check against.
inline const std::string kSantiagoBounds =
    "[bounds]\nmin_lat = -34\nmax_lat = -33\nmin_lon = -71\nmax_lon = -70\n";

}  // namespace centinela::test
