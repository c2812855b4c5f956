#pragma once
// Nearest-unit recommendation: which available units of the right agencies and
// capabilities reach an incident first. Pure: the candidates come in as values.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace centinela::dispatch {

//! Unit types and the planning speed used to estimate arrival (urban averages).
//! patrol_car 40 km/h, motorbike 45, foot 5, ambulance 40, engine 35, municipal_crew 30.
bool IsUnitKind(std::string_view kind);
const std::vector<std::string>& UnitKinds();
double SpeedMps(std::string_view kind);
//! The fastest planning speed of any kind (bounds the search radius).
double MaxSpeedMps();

//! A unit as the ranking sees it.
struct Candidate {
  std::string unit_id;
  std::string callsign;
  std::string agency;
  std::string kind;
  std::vector<std::string> capabilities;
  bool available = false;  //!< status "available"
  double lat = 0, lon = 0;  //!< latest fix
};

struct RecommendQuery {
  double lat = 0, lon = 0;                    //!< the incident
  std::vector<std::string> agencies;          //!< those the category routes to; empty = any
  std::vector<std::string> capabilities;      //!< every one is required
  int k = 5;
};

struct Recommendation {
  std::string unit_id;
  std::string callsign;
  std::string agency;
  std::string kind;
  double distance_m = 0;
  double eta_s = 0;
};

//! True when the candidate may be sent at all: available, of a listed agency, holding every
//! required capability.
bool Eligible(const RecommendQuery& q, const Candidate& c);
//! The k eligible candidates with the smallest estimated arrival (distance / speed of the
//! kind), ties by distance then callsign.
std::vector<Recommendation> RankUnits(const RecommendQuery& q,
                                      const std::vector<Candidate>& candidates);

}  // namespace centinela::dispatch
