#pragma once
// Incremental parser of the frames a WebSocket client sends (RFC 6455 §5): masked, possibly
// fragmented text messages and control frames. Pure (no I/O), so it is tested alone.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "realtime/message.h"

namespace centinela::realtime {

//! One complete client message or control frame.
struct ClientFrame {
  Opcode opcode = Opcode::kText;  //!< kText/kBinary for whole (reassembled) messages
  std::string payload;            //!< unmasked
};

//! Feed bytes as they arrive; Next() yields complete frames. Not thread-safe.
class FrameParser {
 public:
  //! Messages (after reassembly) larger than `max_message_bytes` are an error (1009).
  explicit FrameParser(size_t max_message_bytes) : max_(max_message_bytes) {}

  void Feed(std::string_view bytes) { buf_.append(bytes); }

  //! The next complete frame, nullopt when more bytes are needed or after an error.
  std::optional<ClientFrame> Next();
  //! Close code of a protocol violation (1002 protocol error, 1009 too big), 0 when none.
  uint16_t error() const { return error_; }
  const std::string& error_reason() const { return reason_; }

 private:
  std::optional<ClientFrame> Fail(uint16_t code, std::string reason);

  size_t max_;
  std::string buf_;
  size_t pos_ = 0;
  std::string partial_;  // fragments of a message not finished yet
  bool in_message_ = false;
  Opcode message_op_ = Opcode::kText;
  uint16_t error_ = 0;
  std::string reason_;
};

}  // namespace centinela::realtime
