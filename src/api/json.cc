#include "api/json.h"

#include "common/clock.h"
#include "common/hash.h"

namespace centinela::api {

Result<json::object> ParseBody(const http::Request& req) {
  std::string_view ct = req.Header("content-type");
  if (ct.substr(0, ct.find(';')) != "application/json") {
    return Status(Code::kUnsupportedMedia, "Content-Type must be application/json");
  }
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec) return InvalidArgument("malformed JSON body: " + ec.message());
  if (!v.is_object()) return Unprocessable("the JSON body must be an object");
  return std::move(v.as_object());
}

std::optional<std::string> StringField(const json::object& o, std::string_view name,
                                       Status* error, size_t max_len) {
  const json::value* v = o.if_contains(name);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) {
    *error = Unprocessable("field '" + std::string(name) + "' must be a string");
    return std::nullopt;
  }
  const json::string& s = v->get_string();
  if (s.size() > max_len) {
    *error = Unprocessable("field '" + std::string(name) + "' is longer than " +
                           std::to_string(max_len) + " bytes");
    return std::nullopt;
  }
  return std::string(s.data(), s.size());
}

std::string RequiredString(const json::object& o, std::string_view name, Status* error,
                           size_t max_len) {
  auto s = StringField(o, name, error, max_len);
  if (!s && error->ok()) *error = Unprocessable("field '" + std::string(name) + "' is required");
  return s.value_or("");
}

std::optional<int64_t> IntField(const json::object& o, std::string_view name, Status* error) {
  const json::value* v = o.if_contains(name);
  if (!v || v->is_null()) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return static_cast<int64_t>(v->get_uint64());
  if (v->is_double()) {
    double d = v->get_double();
    if (d == static_cast<double>(static_cast<int64_t>(d))) return static_cast<int64_t>(d);
  }
  *error = Unprocessable("field '" + std::string(name) + "' must be an integer");
  return std::nullopt;
}

std::optional<std::vector<std::string>> StringListField(const json::object& o,
                                                        std::string_view name, Status* error) {
  const json::value* v = o.if_contains(name);
  if (!v) return std::nullopt;
  std::vector<std::string> out;
  if (v->is_array()) {
    for (const json::value& s : v->get_array()) {
      if (!s.is_string()) break;
      out.emplace_back(s.get_string());
    }
    if (out.size() == v->get_array().size()) return out;
  }
  *error = Unprocessable("field '" + std::string(name) + "' must be an array of strings");
  return std::nullopt;
}

std::optional<double> NumberField(const json::object& o, std::string_view name, Status* error) {
  const json::value* v = o.if_contains(name);
  if (!v || v->is_null()) return std::nullopt;
  if (v->is_number()) return v->to_number<double>();
  *error = Unprocessable("field '" + std::string(name) + "' must be a number");
  return std::nullopt;
}

namespace {
const std::string& RawNonce() {
  static const std::string kNonce = "__raw_" + NewId() + "_";
  return kNonce;
}
}  // namespace

json::value RawJson::Add(std::string raw_json) {
  raws_.push_back(std::move(raw_json));
  return json::string(RawNonce() + std::to_string(raws_.size() - 1) + "__");
}

std::string RawJson::Serialize(const json::value& v) const {
  std::string text = json::serialize(v);
  if (raws_.empty()) return text;
  const std::string prefix = "\"" + RawNonce();
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (true) {
    size_t at = text.find(prefix, pos);
    if (at == std::string::npos) break;
    size_t num_start = at + prefix.size();
    size_t num_end = text.find("__\"", num_start);
    if (num_end == std::string::npos) break;
    size_t index = std::stoul(text.substr(num_start, num_end - num_start));
    out.append(text, pos, at - pos);
    out += index < raws_.size() ? raws_[index] : "null";
    pos = num_end + 3;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

http::Response JsonResponse(int status, const json::value& v, const RawJson* raw) {
  return http::Response::Json(status, raw ? raw->Serialize(v) : json::serialize(v));
}

Status ReadNewUser(const json::object& o, auth::NewUser* u) {
  Status err;
  u->email = StringField(o, "email", &err, 254).value_or("");
  u->phone = StringField(o, "phone", &err, 32).value_or("");
  u->password = RequiredString(o, "password", &err, 1024);
  u->display_name = StringField(o, "display_name", &err, 400).value_or("");
  u->locale = StringField(o, "locale", &err, 8).value_or("es");
  if (err.ok() && u->email.empty() && u->phone.empty()) err = Unprocessable("give an email or a phone number");
  return err;
}

json::array GrantsJson(const std::vector<auth::Grant>& grants) {
  json::array out;
  for (const auth::Grant& g : grants) {
    json::object o;
    o["role"] = auth::RoleName(g.role);
    if (g.area_code.empty()) o["area"] = nullptr;
    else o["area"] = g.area_code;
    out.push_back(std::move(o));
  }
  return out;
}

json::object UserJson(const auth::UserView& u) {
  json::object o;
  o["id"] = u.id;
  o["email"] = u.email.empty() ? json::value(nullptr) : json::value(u.email);
  o["phone"] = u.phone.empty() ? json::value(nullptr) : json::value(u.phone);
  o["display_name"] = u.display_name;
  o["locale"] = u.locale;
  o["roles"] = GrantsJson(u.grants);
  o["created_at"] = FormatIsoTime(u.created_ms);
  return o;
}

json::object AreaJson(const areas::Area& a, RawJson* raw) {
  json::object o;
  o["code"] = a.code;
  o["name"] = a.name;
  o["kind"] = areas::KindName(a.kind);
  o["parent"] = a.parent_code.empty() ? json::value(nullptr) : json::value(a.parent_code);
  o["population"] = a.population;
  json::array agencies;
  for (const auto& ag : a.agencies) agencies.push_back(json::string(ag));
  o["agencies"] = std::move(agencies);
  if (raw) o["geometry"] = raw->Add(a.geometry);
  o["created_at"] = FormatIsoTime(a.created_ms);
  o["updated_at"] = FormatIsoTime(a.updated_ms);
  return o;
}

json::object AreaFeature(const areas::Area& a, RawJson& raw) {
  json::object props = AreaJson(a);
  json::object f;
  f["type"] = "Feature";
  f["id"] = a.code;
  f["geometry"] = raw.Add(a.geometry);
  f["properties"] = std::move(props);
  return f;
}

}  // namespace centinela::api
