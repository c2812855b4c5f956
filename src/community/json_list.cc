#include "community/json_list.h"

#include <boost/json.hpp>

namespace centinela::community {

std::string JsonStringList(const std::vector<std::string>& values) {
  boost::json::array a;
  for (const std::string& s : values) a.emplace_back(s);
  return boost::json::serialize(a);
}

std::vector<std::string> ParseJsonStringList(const std::string& text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const boost::json::value& a : v.as_array())
    if (a.is_string()) out.emplace_back(a.get_string());
  return out;
}

}  // namespace centinela::community
