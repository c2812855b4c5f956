#include "real_data.h"

#include <boost/json.hpp>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace centinela::testing {

namespace json = boost::json;

std::string TestDataPath(const std::string& relative) {
  return std::string(CENTINELA_SOURCE_DIR) + "/tests/testdata/" + relative;
}

std::string ReadFileOrThrow(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("test data missing: cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string CutCode(const std::string& name) {
  static const std::map<std::string, std::string> kCodes = {
      {"San Miguel", "13130"}, {"La Cisterna", "13109"}, {"San Joaquín", "13129"}, {"La Pintana", "13112"},
      {"San Ramón", "13131"},  {"La Granja", "13111"},   {"El Bosque", "13105"}};
  auto it = kCodes.find(name);
  return it == kCodes.end() ? std::string() : it->second;
}

std::vector<Comuna> SouthPrecinctComunas() {
  std::string path = TestDataPath("geo/santiago_south_precinct_7_comunas.geojson");
  json::value doc = json::parse(ReadFileOrThrow(path));
  std::vector<Comuna> out;
  for (const json::value& f : doc.at("features").as_array()) {
    const json::object& props = f.at("properties").as_object();
    Comuna c;
    c.name = std::string(props.at("NOM_COM").as_string());
    c.cut = CutCode(c.name);
    if (c.cut.empty()) throw std::runtime_error("unexpected comuna '" + c.name + "' in " + path);
    c.geometry = json::serialize(f.at("geometry"));
    c.shape_area_m2 = props.at("SHAPE_Area").to_number<double>();
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<CentroidRow> SouthPrecinctTable() {
  std::string path = TestDataPath("south-precinct.csv");
  std::istringstream lines(ReadFileOrThrow(path));
  auto split = [](std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    return cells;
  };
  std::string line;
  std::getline(lines, line);
  std::vector<std::string> header = split(line);
  auto col = [&](const std::string& name) -> size_t {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    throw std::runtime_error("column '" + name + "' missing in " + path);
  };
  size_t c_name = col("comuna"), c_pop = col("population"), c_lat = col("approx_centroid_lat"),
         c_lon = col("approx_centroid_lon");
  std::vector<CentroidRow> out;
  while (std::getline(lines, line)) {
    std::vector<std::string> cells = split(line);
    if (cells.size() < header.size()) continue;
    out.push_back({cells[c_name], std::stoll(cells[c_pop]), std::stod(cells[c_lat]), std::stod(cells[c_lon])});
  }
  return out;
}

}  // namespace centinela::testing
