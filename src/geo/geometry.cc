// GeoJSON Polygon/MultiPolygon validation (geometry.h) and the union of area outlines
// (union.h). Both live here because they share one GeoJSON <-> Boost.Geometry conversion
// (geometry_internal.h): a geometry is parsed and checked in exactly one way.

// g++ 12 reports -Wmaybe-uninitialized inside Boost.Geometry's own envelope/partition code
// (the box state of is_valid's interior-ring check) once it is inlined at -O2: a known
// false positive of that compiler, not in our code. Silenced for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <fmt/format.h>

#include <algorithm>
#include <boost/geometry.hpp>
#include <boost/json.hpp>
#include <cmath>
#include <iterator>
#include <optional>

#include "geo/geometry.h"
#include "geo/geometry_internal.h"
#include "geo/union.h"

namespace centinela::geo {

namespace {

namespace bg = boost::geometry;
namespace json = boost::json;
using internal::MultiPolygon;
using internal::Point;
using internal::Polygon;
using internal::Box;
using Ring = Polygon::ring_type;

//! Most positions accepted in one geometry. The 52 comunas of the whole Santiago region
//! hold about 60,000 together; a single area beyond this is a data mistake (or an attack),
//! and every later point-in-polygon test would pay for it.
constexpr size_t kMaxPositions = 250'000;

constexpr double kEarthRadiusM = 6'371'008.8;
constexpr double kPi = 3.14159265358979323846;

double Radians(double deg) { return deg * kPi / 180.0; }

std::string Num(double v) { return fmt::format("{}", v); }

std::string PositionText(const Point& p) { return "[" + Num(p.x()) + ", " + Num(p.y()) + "]"; }

// Where a ring sits in the input, as a JSON path: "coordinates[2][0]" (MultiPolygon) or
// "coordinates[0]" (Polygon), with the ring's role.
struct RingRef {
  std::string prefix;  // "" or "geometry." when the input was a Feature
  bool multi = false;
  size_t polygon = 0;
  size_t ring = 0;

  std::string Path() const {
    std::string p = prefix + "coordinates";
    if (multi) p += "[" + std::to_string(polygon) + "]";
    return p + "[" + std::to_string(ring) + "]";
  }
  std::string Describe() const {
    return Path() + (ring == 0 ? " (exterior ring)" : " (hole " + std::to_string(ring) + ")");
  }
};

std::string PolygonRef(const std::string& prefix, bool multi, size_t polygon) {
  if (!multi) return prefix + "coordinates (the polygon)";
  return prefix + "coordinates[" + std::to_string(polygon) + "] (polygon " + std::to_string(polygon) + ")";
}

Status Bad(const std::string& what) { return Unprocessable("invalid geometry: " + what); }

// Reads one [lon, lat, ...] position; elements after the second (altitude, measures) are
// ignored and not kept.
Status ReadPosition(const json::value& v, const std::string& path, Point* out) {
  const json::array* a = v.if_array();
  if (!a || a->size() < 2) return Bad(path + " must be a position [lon, lat]");
  double c[2];
  for (size_t i = 0; i < 2; ++i) {
    const json::value& n = (*a)[i];
    if (!n.is_number()) return Bad(path + " must hold numbers [lon, lat]");
    boost::system::error_code ec;
    c[i] = n.to_number<double>(ec);
    if (ec || !std::isfinite(c[i])) return Bad(path + " holds a number that is not finite");
  }
  if (c[0] < -180 || c[0] > 180)
    return Bad(path + ": longitude " + Num(c[0]) + " is outside [-180, 180] (positions are [lon, lat])");
  if (c[1] < -90 || c[1] > 90)
    return Bad(path + ": latitude " + Num(c[1]) + " is outside [-90, 90] (positions are [lon, lat])");
  *out = Point(c[0], c[1]);
  return Status::Ok();
}

Status ReadRing(const json::value& v, const RingRef& ref, size_t* positions, Ring* out) {
  const json::array* a = v.if_array();
  if (!a) return Bad(ref.Describe() + " must be an array of positions");
  if (a->size() < 4)
    return Bad(ref.Describe() + " has " + std::to_string(a->size()) +
               " positions; a ring needs at least 4 (three corners and the first repeated at the end)");
  *positions += a->size();
  if (*positions > kMaxPositions)
    return Bad("more than " + std::to_string(kMaxPositions) + " positions; simplify the geometry first");
  out->clear();
  out->reserve(a->size());
  for (size_t k = 0; k < a->size(); ++k) {
    Point p;
    Status s = ReadPosition((*a)[k], ref.Path() + "[" + std::to_string(k) + "]", &p);
    if (!s.ok()) return s;
    out->push_back(p);
  }
  const Point& first = out->front();
  const Point& last = out->back();
  if (first.x() != last.x() || first.y() != last.y())
    return Bad(ref.Describe() + " is not closed: the first position " + PositionText(first) +
               " differs from the last " + PositionText(last));
  return Status::Ok();
}

Status ReadPolygon(const json::value& v, const std::string& prefix, bool multi, size_t index,
                   size_t* positions, Polygon* out) {
  const json::array* rings = v.if_array();
  std::string where = multi ? prefix + "coordinates[" + std::to_string(index) + "]" : prefix + "coordinates";
  if (!rings) return Bad(where + " must be an array of rings");
  if (rings->empty()) return Bad(where + " has no rings");
  out->inners().resize(rings->size() - 1);
  for (size_t r = 0; r < rings->size(); ++r) {
    RingRef ref{prefix, multi, index, r};
    Status s = ReadRing((*rings)[r], ref, positions, r == 0 ? &out->outer() : &out->inners()[r - 1]);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

// The first sentence of Boost.Geometry's explanation, with the point it found
// ("... was found at (x, y)"), without the turn-operation internals that follow ';'.
std::string BoostDetail(const std::string& message) {
  std::string d = message.substr(0, message.find(';'));
  while (!d.empty() && (d.back() == ' ' || d.back() == '.')) d.pop_back();
  return d;
}

std::string FailureText(bg::validity_failure_type f) {
  switch (f) {
    case bg::failure_few_points: return "has too few distinct positions";
    case bg::failure_wrong_topological_dimension: return "is degenerate (its positions enclose no area)";
    case bg::failure_spikes: return "has a spike (the boundary runs out and back along the same line)";
    case bg::failure_duplicate_points: return "repeats a position";
    case bg::failure_not_closed: return "is not closed";
    case bg::failure_self_intersections: return "intersects itself";
    case bg::failure_wrong_orientation: return "has the wrong winding";
    case bg::failure_interior_rings_outside: return "has a hole outside its exterior ring";
    case bg::failure_nested_interior_rings: return "has a hole inside another hole";
    case bg::failure_disconnected_interior: return "has holes that cut its interior in pieces";
    case bg::failure_intersecting_interiors: return "has polygons whose interiors overlap";
    case bg::failure_invalid_coordinate: return "has a coordinate that is not a finite number";
    default: return "is not a valid polygon";
  }
}

// Explains why polygon `index` is invalid, naming the ring when one ring alone is at fault.
Status ExplainPolygon(const Polygon& poly, const std::string& prefix, bool multi, size_t index) {
  size_t ring_count = 1 + poly.inners().size();
  for (size_t r = 0; r < ring_count; ++r) {
    const Ring& ring = r == 0 ? poly.outer() : poly.inners()[r - 1];
    bg::validity_failure_type f = bg::no_failure;
    if (!bg::is_valid(ring, f) && f != bg::failure_wrong_orientation) {
      std::string message;
      bg::is_valid(ring, message);
      RingRef ref{prefix, multi, index, r};
      return Bad(ref.Describe() + " " + FailureText(f) + " (" + BoostDetail(message) + ")");
    }
  }
  bg::validity_failure_type f = bg::no_failure;
  bg::is_valid(poly, f);
  std::string message;
  bg::is_valid(poly, message);
  std::string what = FailureText(f);
  if (f == bg::failure_self_intersections) what = "has rings that cross each other or touch along an edge";
  return Bad(PolygonRef(prefix, multi, index) + " " + what + " (" + BoostDetail(message) + ")");
}

// Names the first pair of polygons whose interiors overlap.
Status ExplainOverlap(const MultiPolygon& shape, const std::string& prefix) {
  std::vector<internal::Box> boxes;
  boxes.reserve(shape.size());
  for (const Polygon& p : shape) boxes.push_back(internal::BoundsOf(p));
  for (size_t i = 0; i < shape.size(); ++i) {
    for (size_t j = i + 1; j < shape.size(); ++j) {
      if (!bg::intersects(boxes[i], boxes[j])) continue;
      MultiPolygon pair{shape[i], shape[j]};
      bg::validity_failure_type f = bg::no_failure;
      if (bg::is_valid(pair, f)) continue;
      std::string message;
      bg::is_valid(pair, message);
      return Bad(prefix + "coordinates[" + std::to_string(i) + "] and " + prefix + "coordinates[" +
                 std::to_string(j) + "] (polygons " + std::to_string(i) + " and " + std::to_string(j) +
                 ") overlap: the parts of a MultiPolygon may touch at points but not share area (" +
                 BoostDetail(message) + ")");
    }
  }
  std::string message;
  bg::is_valid(shape, message);
  return Bad("the MultiPolygon is not valid (" + BoostDetail(message) + ")");
}

// Area of a ring on the sphere (Chamberlain & Duquette 2007): R²/2 · |Σ (λ[i+1] − λ[i−1]) sin φ[i]|.
// Accurate to a fraction of a percent for areas of city size.
double RingAreaM2(const Ring& ring) {
  size_t n = ring.size() - 1;  // closed: the last position repeats the first
  if (n < 3) return 0;
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const Point& prev = ring[i == 0 ? n - 1 : i - 1];
    const Point& next = ring[i + 1];
    sum += Radians(next.x() - prev.x()) * std::sin(Radians(ring[i].y()));
  }
  return std::fabs(sum) * kEarthRadiusM * kEarthRadiusM / 2.0;
}

void AppendRing(const Ring& ring, std::string* out) {
  out->push_back('[');
  for (size_t k = 0; k < ring.size(); ++k) {
    if (k) out->push_back(',');
    fmt::format_to(std::back_inserter(*out), "[{},{}]", ring[k].x(), ring[k].y());
  }
  out->push_back(']');
}

void AppendPolygon(const Polygon& poly, std::string* out) {
  out->push_back('[');
  AppendRing(poly.outer(), out);
  for (const Ring& hole : poly.inners()) {
    out->push_back(',');
    AppendRing(hole, out);
  }
  out->push_back(']');
}

}  // namespace

namespace internal {

Box BoundsOf(const Polygon& polygon) {
  const Ring& ring = polygon.outer();
  Point lo = ring.front(), hi = ring.front();
  for (const Point& p : ring) {
    lo = Point(std::min(lo.x(), p.x()), std::min(lo.y(), p.y()));
    hi = Point(std::max(hi.x(), p.x()), std::max(hi.y(), p.y()));
  }
  return Box(lo, hi);
}

std::string Serialize(const MultiPolygon& shape, bool force_multi) {
  std::string out;
  if (shape.size() == 1 && !force_multi) {
    out = R"({"type":"Polygon","coordinates":)";
    AppendPolygon(shape.front(), &out);
  } else {
    out = R"({"type":"MultiPolygon","coordinates":[)";
    for (size_t i = 0; i < shape.size(); ++i) {
      if (i) out.push_back(',');
      AppendPolygon(shape[i], &out);
    }
    out.push_back(']');
  }
  out.push_back('}');
  return out;
}

Result<Parsed> ParseAndValidate(std::string_view geojson_text) {
  boost::system::error_code ec;
  json::value doc = json::parse(json::string_view(geojson_text.data(), geojson_text.size()), ec);
  if (ec) return Bad("not JSON (" + ec.message() + ")");
  const json::object* obj = doc.if_object();
  if (!obj) return Bad("expected a GeoJSON object {\"type\": \"Polygon\" | \"MultiPolygon\", \"coordinates\": ...}");

  std::string prefix;
  auto type_of = [](const json::object& o) -> std::string {
    const json::value* t = o.if_contains("type");
    return t && t->is_string() ? std::string(t->get_string()) : std::string();
  };
  std::string type = type_of(*obj);
  if (type == "Feature") {
    const json::value* g = obj->if_contains("geometry");
    if (!g || !g->is_object()) return Bad("the Feature has no geometry object");
    obj = &g->get_object();
    prefix = "geometry.";
    type = type_of(*obj);
  }
  if (type != "Polygon" && type != "MultiPolygon") {
    if (type.empty()) return Bad(prefix + "type is missing; expected \"Polygon\" or \"MultiPolygon\"");
    return Bad(prefix + "type is \"" + type + "\"; expected \"Polygon\" or \"MultiPolygon\"");
  }
  const json::value* coords = obj->if_contains("coordinates");
  if (!coords || !coords->is_array()) return Bad(prefix + "coordinates must be an array");

  Parsed out;
  out.multi = type == "MultiPolygon";
  size_t positions = 0;
  if (out.multi) {
    const json::array& polys = coords->get_array();
    if (polys.empty()) return Bad(prefix + "coordinates of the MultiPolygon is empty");
    out.shape.resize(polys.size());
    for (size_t i = 0; i < polys.size(); ++i) {
      Status s = ReadPolygon(polys[i], prefix, true, i, &positions, &out.shape[i]);
      if (!s.ok()) return s;
    }
  } else {
    out.shape.resize(1);
    Status s = ReadPolygon(*coords, prefix, false, 0, &positions, &out.shape[0]);
    if (!s.ok()) return s;
  }

  // Files in the wild use either winding; orientation carries no meaning in GeoJSON input
  // (RFC 7946 §3.1.6 asks parsers not to reject on it), so correct it. correct() only
  // reverses rings (and closes them); it never moves a vertex, so self-intersections and
  // overlaps survive it and are rejected below instead of being silently "fixed".
  for (size_t i = 0; i < out.shape.size(); ++i) {
    Polygon& poly = out.shape[i];
    bg::correct(poly);
    if (!bg::is_valid(poly)) return ExplainPolygon(poly, prefix, out.multi, i);
  }
  if (out.shape.size() > 1 && !bg::is_valid(out.shape)) return ExplainOverlap(out.shape, prefix);

  ValidGeometry& v = out.summary;
  v.polygons = static_cast<int>(out.shape.size());
  for (size_t i = 0; i < out.shape.size(); ++i) {
    const Polygon& poly = out.shape[i];
    Box box = BoundsOf(poly);
    if (i == 0) v.bbox = {box.min_corner().x(), box.min_corner().y(), box.max_corner().x(), box.max_corner().y()};
    v.bbox.min_lon = std::min(v.bbox.min_lon, box.min_corner().x());
    v.bbox.min_lat = std::min(v.bbox.min_lat, box.min_corner().y());
    v.bbox.max_lon = std::max(v.bbox.max_lon, box.max_corner().x());
    v.bbox.max_lat = std::max(v.bbox.max_lat, box.max_corner().y());
    v.rings += 1 + static_cast<int>(poly.inners().size());
    double a = RingAreaM2(poly.outer());
    for (const Ring& hole : poly.inners()) a -= RingAreaM2(hole);
    v.area_m2 += a;
  }
  v.geojson = Serialize(out.shape, out.multi);
  return out;
}

}  // namespace internal

Result<ValidGeometry> ValidateGeometry(std::string_view geojson_text) {
  Result<internal::Parsed> parsed = internal::ParseAndValidate(geojson_text);
  if (!parsed.ok()) return parsed.status();
  return std::move(parsed->summary);
}

double HaversineMeters(double lat1, double lon1, double lat2, double lon2) {
  double p1 = Radians(lat1), p2 = Radians(lat2);
  double dp = p2 - p1, dl = Radians(lon2 - lon1);
  double h = std::sin(dp / 2) * std::sin(dp / 2) + std::cos(p1) * std::cos(p2) * std::sin(dl / 2) * std::sin(dl / 2);
  h = std::min(1.0, h);  // rounding can push antipodal points just past 1
  return 2 * kEarthRadiusM * std::asin(std::sqrt(h));
}

Result<std::string> UnionGeometries(const std::vector<std::string>& geojson_geometries) {
  if (geojson_geometries.empty()) return Unprocessable("union of no geometries");
  MultiPolygon acc;
  for (size_t i = 0; i < geojson_geometries.size(); ++i) {
    Result<internal::Parsed> parsed = internal::ParseAndValidate(geojson_geometries[i]);
    if (!parsed.ok())
      return Status(parsed.status().code(), "geometry " + std::to_string(i) + ": " + parsed.status().message());
    MultiPolygon next;
    try {
      bg::union_(acc, parsed->shape, next);
    } catch (const bg::exception& e) {
      return Unprocessable("cannot union geometry " + std::to_string(i) + ": " + e.what());
    }
    acc = std::move(next);
  }
  if (acc.empty()) return Unprocessable("the union is empty");
  bg::correct(acc);
  return internal::Serialize(acc, /*force_multi=*/false);
}

}  // namespace centinela::geo
