#pragma once
// National identity numbers a neighbour gives when asking to join a neighbourhood: pure
// validation and normalisation (no I/O), so membership code stores one canonical form and
// duplicates are found by plain equality. Messages may be shown to the caller as is (422).

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace centinela::auth {

//! Kinds of identity document accepted.
enum class IdType {
  kChileRut,      //!< Rol Único Tributario: body digits + modulo-11 check digit (0-9 or K)
  kArgentinaDni,  //!< Documento Nacional de Identidad: 7 or 8 digits
  kOther,         //!< passport or another document: 5 to 20 ASCII letters and digits
};

//! "rut", "dni", "other".
std::string_view IdTypeName(IdType type);
//! Inverse of IdTypeName (case-insensitive); nullopt for anything else.
std::optional<IdType> ParseIdType(std::string_view name);

//! The modulo-11 check digit of a RUT body ("12345678" -> '5'): weights 2,3,4,5,6,7,2,...
//! from the rightmost digit, r = 11 - sum % 11, with 11 -> '0' and 10 -> 'K'. `digits` must
//! be non-empty and all decimal digits (otherwise returns '\0').
char RutCheckDigit(std::string_view digits);

//! Accepts "12.345.678-5", "12345678-5" and "123456785" (dots, when present, must group
//! thousands; check digit 0-9, k or K; body 6 to 8 digits without a leading zero) and
//! returns the canonical "12345678-5" (upper-case K). A wrong check digit is an error.
Result<std::string> NormalizeRut(std::string_view raw);
//! Accepts "30123456" or "30.123.456" (7 or 8 digits, no leading zero, dots grouping
//! thousands) and returns the digits only.
Result<std::string> NormalizeDni(std::string_view raw);
//! Accepts 5 to 20 ASCII letters and digits; returns them upper-cased.
Result<std::string> NormalizeOtherId(std::string_view raw);

//! Dispatches on `type`. Surrounding spaces are ignored.
Result<std::string> NormalizeNationalId(IdType type, std::string_view raw);

}  // namespace centinela::auth
