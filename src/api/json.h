#pragma once
// JSON request parsing and response building shared by the handler files.

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "areas/areas.h"
#include "auth/accounts.h"
#include "common/status.h"
#include "http/message.h"

namespace centinela::api {

namespace json = boost::json;

//! The request body as a JSON object: 415 unless Content-Type is application/json,
//! 400 for malformed JSON, 422 when the top level is not an object.
Result<json::object> ParseBody(const http::Request& req);

//! Field readers: absent (or null) gives nullopt; a value of the wrong type, or past
//! max_len, sets *error (422) naming the field.
std::optional<std::string> StringField(const json::object& o, std::string_view name,
                                       Status* error, size_t max_len = 10'000);
std::optional<int64_t> IntField(const json::object& o, std::string_view name, Status* error);
std::optional<double> NumberField(const json::object& o, std::string_view name, Status* error);
//! An array of strings: absent gives nullopt; anything else (null too) sets *error.
std::optional<std::vector<std::string>> StringListField(const json::object& o,
                                                        std::string_view name, Status* error);
//! Like StringField but absence is also an error.
std::string RequiredString(const json::object& o, std::string_view name, Status* error,
                           size_t max_len = 10'000);

//! Already-serialised JSON (e.g. stored, validated GeoJSON) to splice into a document
//! verbatim: re-parsing would cost time and Boost.JSON 1.81 would rewrite every coordinate
//! in exponent form (-70.63 -> -7.063E1). Add() returns a placeholder string value whose
//! text carries a per-process random nonce, so user input cannot forge one.
class RawJson {
 public:
  json::value Add(std::string raw_json);
  //! Serialises v with every placeholder replaced by its raw text.
  std::string Serialize(const json::value& v) const;

 private:
  std::vector<std::string> raws_;
};

//! 200/201 JSON response from a value (with raw fragments spliced in, if any).
http::Response JsonResponse(int status, const json::value& v, const RawJson* raw = nullptr);

//! Reads {email?, phone?, password, display_name?, locale?} (registration and admin-created
//! accounts share it); 422 names the first bad field, or says neither email nor phone came.
Status ReadNewUser(const json::object& o, auth::NewUser* u);

json::object UserJson(const auth::UserView& u);
json::array GrantsJson(const std::vector<auth::Grant>& grants);
//! With `raw`, the geometry is included (spliced verbatim); without, it is left out
//! (listings stay small).
json::object AreaJson(const areas::Area& a, RawJson* raw = nullptr);
//! A GeoJSON Feature whose properties are the area's fields.
json::object AreaFeature(const areas::Area& a, RawJson& raw);

}  // namespace centinela::api
