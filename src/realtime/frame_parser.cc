#include "realtime/frame_parser.h"

namespace centinela::realtime {

std::optional<ClientFrame> FrameParser::Fail(uint16_t code, std::string reason) {
  error_ = code;
  reason_ = std::move(reason);
  buf_.clear();
  pos_ = 0;
  return std::nullopt;
}

std::optional<ClientFrame> FrameParser::Next() {
  for (;;) {
    if (error_ != 0) return std::nullopt;
    const size_t avail = buf_.size() - pos_;
    if (avail < 2) break;
    const auto* p = reinterpret_cast<const uint8_t*>(buf_.data() + pos_);
    const bool fin = (p[0] & 0x80) != 0;
    if ((p[0] & 0x70) != 0) return Fail(1002, "reserved bits set");
    const auto op = static_cast<Opcode>(p[0] & 0x0F);
    const bool masked = (p[1] & 0x80) != 0;
    if (!masked) return Fail(1002, "client frames must be masked");
    uint64_t len = p[1] & 0x7F;
    size_t header = 2;
    if (len == 126) {
      if (avail < 4) break;
      len = (uint64_t{p[2]} << 8) | p[3];
      header = 4;
    } else if (len == 127) {
      if (avail < 10) break;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
      header = 10;
    }
    const bool control = (static_cast<uint8_t>(op) & 0x08) != 0;
    if (control && (len > 125 || !fin)) return Fail(1002, "bad control frame");
    if (!control && op != Opcode::kContinuation && op != Opcode::kText && op != Opcode::kBinary)
      return Fail(1002, "unknown opcode");
    if (len > max_ || partial_.size() + len > max_) return Fail(1009, "message too big");
    if (avail < header + 4 + len) break;
    const uint8_t* key = p + header;
    const uint8_t* data = key + 4;
    std::string payload(static_cast<size_t>(len), '\0');
    for (size_t i = 0; i < len; ++i) payload[i] = static_cast<char>(data[i] ^ key[i % 4]);
    pos_ += header + 4 + static_cast<size_t>(len);
    if (pos_ > 4096 && pos_ * 2 > buf_.size()) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
    if (control) return ClientFrame{op, std::move(payload)};
    if (op == Opcode::kContinuation) {
      if (!in_message_) return Fail(1002, "continuation without a message");
      partial_ += payload;
    } else {
      if (in_message_) return Fail(1002, "new message inside a fragmented one");
      in_message_ = true;
      message_op_ = op;
      partial_ = std::move(payload);
    }
    if (fin) {
      in_message_ = false;
      ClientFrame f{message_op_, std::move(partial_)};
      partial_.clear();
      return f;
    }
  }
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  return std::nullopt;
}

}  // namespace centinela::realtime
