#pragma once
// Lists of codes (areas, agencies) stored as JSON array text in one column.

#include <string>
#include <vector>

namespace centinela::community {

//! ["a","b"] for {"a","b"}.
std::string JsonStringList(const std::vector<std::string>& values);
//! The strings of a JSON array; anything else (bad JSON, non-strings) is skipped.
std::vector<std::string> ParseJsonStringList(const std::string& text);

}  // namespace centinela::community
