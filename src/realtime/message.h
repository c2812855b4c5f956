#pragma once
// One message of the live stream, serialised once and shared (immutable) by every session
// that receives it: the JSON text, its WebSocket frame and its Server-Sent Events record.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace centinela::realtime {

struct Message {
  int64_t seq = 0;       //!< the event's seq; 0 for control messages (hello, refetch, pong)
  std::string text;      //!< the JSON document
  std::string ws_frame;  //!< one unmasked, final WebSocket text frame carrying `text`
  std::string sse;       //!< "id: <seq>\ndata: <text>\n\n" (no id line when seq is 0)
  std::chrono::steady_clock::time_point made;  //!< when it was rendered (fan-out latency)
};

using MessagePtr = std::shared_ptr<const Message>;

//! Builds the three forms of `text`. Pure apart from the timestamp.
MessagePtr MakeMessage(int64_t seq, std::string text);

//! WebSocket opcodes the server uses (RFC 6455 §5.2).
enum class Opcode : uint8_t { kContinuation = 0, kText = 1, kBinary = 2, kClose = 8, kPing = 9, kPong = 10 };

//! Header of an unmasked final server frame of `payload_size` bytes. Pure.
std::string FrameHeader(Opcode op, size_t payload_size);
//! A whole unmasked final frame. Pure.
std::string Frame(Opcode op, std::string_view payload);
//! A close frame with a status code and a reason (cut to fit 125 bytes). Pure.
std::string CloseFrame(uint16_t code, std::string_view reason);

}  // namespace centinela::realtime
