#pragma once
// The adoption table of a precinct meeting: per area, registered addresses (approved
// neighbourhood memberships), population, the target (10 % of the population, rounded up),
// what is missing to reach it, compliance and the reports of the period. A parent's row is
// the sum of its children's rows; its compliance is recomputed from those sums. This is how
// the South Precinct's published table is built (its total target, 83,191, is the sum of
// the comunas' targets, not 10 % of the summed population). Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace centinela::analytics {

//! One area's own figures. Only leaves' population/registered/reports enter the table;
//! a parent's own values are replaced by its children's sums.
struct AdoptionInput {
  std::string code;
  std::string name;
  std::string parent;  //!< empty for a root
  int64_t population = 0;
  int64_t registered = 0;
  int64_t reports = 0;
};

struct AdoptionRow {
  std::string code;
  std::string name;
  std::string parent;
  int depth = 0;         //!< 0 for the requested area, 1 for its children, ...
  bool leaf = true;      //!< false: the figures are the sum of the children
  int64_t population = 0;
  int64_t registered = 0;
  int64_t target = 0;
  int64_t missing = 0;
  int64_t reports = 0;
  //! Compliance in tenths of a percent (716 = 71.6 %); nullopt when the target is 0.
  std::optional<int64_t> compliance_tenths;
};

//! ceil(10 % of population): (population + 9) / 10 for population >= 0.
int64_t AdoptionTarget(int64_t population);
//! max(0, target - registered).
int64_t MissingToTarget(int64_t target, int64_t registered);
//! round(1000 * registered / target) with halves rounded up, in exact integer arithmetic
//! (the published table's one-decimal percentages); nullopt when target <= 0. Not capped:
//! an area past its target shows more than 100 %.
std::optional<int64_t> ComplianceTenths(int64_t registered, int64_t target);
//! "71.6" from 716; "" for nullopt.
std::string FormatTenths(std::optional<int64_t> tenths);

//! The table for `root` and every area under it, depth first: each parent row precedes its
//! children; siblings are ordered by compliance, highest first, then by code (the published
//! table's order). kNotFound when root is not among the inputs; kInvalidArgument for a
//! duplicate code, a negative figure or a cycle.
Result<std::vector<AdoptionRow>> AdoptionTable(const std::vector<AdoptionInput>& areas,
                                               const std::string& root);

}  // namespace centinela::analytics
