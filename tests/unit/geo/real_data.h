#pragma once
// Real public data for the geo and areas tests: the seven South Precinct comunas (BCN 2015
// boundaries) and the precinct's table, carried in tests/testdata (origins in its
// README.md). A missing file fails the test with the path it looked for.

#include <string>
#include <vector>

namespace centinela::testing {

//! CENTINELA_SOURCE_DIR "/tests/testdata/" + relative.
std::string TestDataPath(const std::string& relative);
//! The whole file; throws std::runtime_error naming the path when it cannot be read.
std::string ReadFileOrThrow(const std::string& path);

struct Comuna {
  std::string name;      //!< NOM_COM, e.g. "San Miguel"
  std::string cut;       //!< CUT code, e.g. "13130" (the file's COD_COMUNA is truncated)
  std::string geometry;  //!< the Feature's geometry re-serialised as GeoJSON text
  double shape_area_m2;  //!< SHAPE_Area property (projected area published with the file)
};
//! The seven comunas of geo/santiago_south_precinct_7_comunas.geojson, in file order.
std::vector<Comuna> SouthPrecinctComunas();

struct CentroidRow {
  std::string comuna;
  int64_t population;
  double lat, lon;  //!< approx_centroid_lat / approx_centroid_lon
};
//! Rows of south-precinct.csv.
std::vector<CentroidRow> SouthPrecinctTable();

//! CUT code of a South Precinct comuna name (per tests/testdata/README.md), or "".
std::string CutCode(const std::string& name);

}  // namespace centinela::testing
