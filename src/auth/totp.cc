#include "auth/totp.h"

#include <sodium.h>

#include <array>
#include <cstring>

namespace centinela::auth {

namespace {

constexpr std::string_view kBase32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

uint32_t Rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

// One 64-byte block into the SHA-1 state.
void Sha1Block(const unsigned char* block, std::array<uint32_t, 5>& h) {
  uint32_t w[80];
  for (int i = 0; i < 16; ++i)
    w[i] = (uint32_t{block[4 * i]} << 24) | (uint32_t{block[4 * i + 1]} << 16) |
           (uint32_t{block[4 * i + 2]} << 8) | uint32_t{block[4 * i + 3]};
  for (int i = 16; i < 80; ++i) w[i] = Rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 80; ++i) {
    uint32_t f, k;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5A827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ED9EBA1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8F1BBCDC;
    } else {
      f = b ^ c ^ d;
      k = 0xCA62C1D6;
    }
    const uint32_t t = Rotl(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = Rotl(b, 30);
    b = a;
    a = t;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

std::string HmacSha1(std::string_view key, std::string_view message) {
  constexpr size_t kBlock = 64;
  std::string k(key.size() > kBlock ? Sha1(key) : std::string(key));
  k.resize(kBlock, '\0');
  std::string inner(kBlock, '\0'), outer(kBlock, '\0');
  for (size_t i = 0; i < kBlock; ++i) {
    inner[i] = static_cast<char>(k[i] ^ 0x36);
    outer[i] = static_cast<char>(k[i] ^ 0x5c);
  }
  std::string out = Sha1(outer + Sha1(inner + std::string(message)));
  sodium_memzero(k.data(), k.size());
  sodium_memzero(inner.data(), inner.size());
  sodium_memzero(outer.data(), outer.size());
  return out;
}

const auto* Bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

bool IsDigits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

}  // namespace

std::string Sha1(std::string_view data) {
  std::array<uint32_t, 5> h = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  const size_t full = data.size() / 64 * 64;
  for (size_t i = 0; i < full; i += 64) Sha1Block(Bytes(data) + i, h);
  // The tail, the 0x80 marker and the 64-bit big-endian bit length: one or two blocks.
  unsigned char tail[128] = {};
  const size_t rest = data.size() - full;
  if (rest > 0) std::memcpy(tail, data.data() + full, rest);
  tail[rest] = 0x80;
  const size_t tail_len = rest < 56 ? 64 : 128;
  const uint64_t bits = static_cast<uint64_t>(data.size()) * 8;
  for (int i = 0; i < 8; ++i) tail[tail_len - 1 - i] = static_cast<unsigned char>(bits >> (8 * i));
  for (size_t i = 0; i < tail_len; i += 64) Sha1Block(tail + i, h);
  std::string out(20, '\0');
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<char>(h[i] >> (24 - 8 * j));
  return out;
}

std::string Hmac(TotpHash hash, std::string_view key, std::string_view message) {
  switch (hash) {
    case TotpHash::kSha1:
      return HmacSha1(key, message);
    case TotpHash::kSha256: {
      crypto_auth_hmacsha256_state st;
      std::string out(crypto_auth_hmacsha256_BYTES, '\0');
      crypto_auth_hmacsha256_init(&st, Bytes(key), key.size());
      crypto_auth_hmacsha256_update(&st, Bytes(message), message.size());
      crypto_auth_hmacsha256_final(&st, reinterpret_cast<unsigned char*>(out.data()));
      sodium_memzero(&st, sizeof st);
      return out;
    }
    case TotpHash::kSha512: {
      crypto_auth_hmacsha512_state st;
      std::string out(crypto_auth_hmacsha512_BYTES, '\0');
      crypto_auth_hmacsha512_init(&st, Bytes(key), key.size());
      crypto_auth_hmacsha512_update(&st, Bytes(message), message.size());
      crypto_auth_hmacsha512_final(&st, reinterpret_cast<unsigned char*>(out.data()));
      sodium_memzero(&st, sizeof st);
      return out;
    }
  }
  return {};
}

std::string HotpCode(std::string_view secret, uint64_t counter, int digits, TotpHash hash) {
  std::string message(8, '\0');
  for (int i = 0; i < 8; ++i) message[7 - i] = static_cast<char>(counter >> (8 * i));
  const std::string mac = Hmac(hash, secret, message);
  // Dynamic truncation (RFC 4226 section 5.3).
  const size_t offset = static_cast<unsigned char>(mac.back()) & 0x0f;
  const uint32_t binary =
      (static_cast<uint32_t>(static_cast<unsigned char>(mac[offset]) & 0x7f) << 24) |
      (static_cast<uint32_t>(static_cast<unsigned char>(mac[offset + 1])) << 16) |
      (static_cast<uint32_t>(static_cast<unsigned char>(mac[offset + 2])) << 8) |
      static_cast<uint32_t>(static_cast<unsigned char>(mac[offset + 3]));
  uint64_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  if (code.size() < static_cast<size_t>(digits))
    code.insert(0, static_cast<size_t>(digits) - code.size(), '0');
  return code;
}

int64_t TotpStep(int64_t unix_ms) {
  return unix_ms >= 0 ? unix_ms / kTotpStepMs : -((-unix_ms + kTotpStepMs - 1) / kTotpStepMs);
}

std::string TotpCode(std::string_view secret, int64_t unix_ms, int digits, TotpHash hash) {
  return HotpCode(secret, static_cast<uint64_t>(TotpStep(unix_ms)), digits, hash);
}

std::optional<int64_t> MatchTotp(std::string_view secret, std::string_view code, int64_t now_ms,
                                 int64_t after_step) {
  if (code.size() != static_cast<size_t>(kTotpDigits) || !IsDigits(code)) return std::nullopt;
  const int64_t now = TotpStep(now_ms);
  std::optional<int64_t> found;
  // Every candidate is computed and compared, so the time taken says nothing about which
  // step (if any) matched.
  for (int64_t step = now - kTotpWindow; step <= now + kTotpWindow; ++step) {
    if (step < 0) continue;
    const std::string expected = HotpCode(secret, static_cast<uint64_t>(step));
    const bool same = sodium_memcmp(expected.data(), code.data(), code.size()) == 0;
    if (same && step > after_step && !found) found = step;
  }
  return found;
}

std::string Base32Encode(std::string_view bytes, bool pad) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32Alphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 31]);
  if (pad)
    while (out.size() % 8 != 0) out.push_back('=');
  return out;
}

std::optional<std::string> Base32Decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  size_t symbols = 0;
  for (char ch : text) {
    if (ch == ' ' || ch == '-') continue;
    const char up = ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 'a' + 'A') : ch;
    const size_t value = kBase32Alphabet.find(up);
    if (value == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 5) | static_cast<uint32_t>(value);
    bits += 5;
    ++symbols;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  // 1, 3 and 6 symbols in the last group of 8 cannot come from whole bytes.
  const size_t last = symbols % 8;
  if (last == 1 || last == 3 || last == 6) return std::nullopt;
  return out;
}

std::string OtpauthUri(std::string_view issuer, std::string_view account,
                       std::string_view secret_base32) {
  auto escape = [](std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '.' || c == '_' || c == '~' || c == '@') {
        out.push_back(static_cast<char>(c));
      } else {
        static constexpr char kHex[] = "0123456789ABCDEF";
        out.push_back('%');
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
      }
    }
    return out;
  };
  std::string secret(secret_base32);
  while (!secret.empty() && secret.back() == '=') secret.pop_back();
  return "otpauth://totp/" + escape(issuer) + ":" + escape(account) + "?secret=" + secret +
         "&issuer=" + escape(issuer) + "&algorithm=SHA1&digits=" + std::to_string(kTotpDigits) +
         "&period=" + std::to_string(kTotpStepMs / 1000);
}

}  // namespace centinela::auth
