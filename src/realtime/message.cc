#include "realtime/message.h"

namespace centinela::realtime {

std::string FrameHeader(Opcode op, size_t n) {
  std::string h;
  h.push_back(static_cast<char>(0x80 | static_cast<uint8_t>(op)));
  if (n < 126) {
    h.push_back(static_cast<char>(n));
  } else if (n <= 0xFFFF) {
    h.push_back(static_cast<char>(126));
    h.push_back(static_cast<char>((n >> 8) & 0xFF));
    h.push_back(static_cast<char>(n & 0xFF));
  } else {
    h.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8)
      h.push_back(static_cast<char>((static_cast<uint64_t>(n) >> shift) & 0xFF));
  }
  return h;
}

std::string Frame(Opcode op, std::string_view payload) {
  std::string f = FrameHeader(op, payload.size());
  f.append(payload);
  return f;
}

std::string CloseFrame(uint16_t code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason.substr(0, 123));
  return Frame(Opcode::kClose, payload);
}

MessagePtr MakeMessage(int64_t seq, std::string text) {
  auto m = std::make_shared<Message>();
  m->seq = seq;
  m->ws_frame = Frame(Opcode::kText, text);
  m->sse.reserve(text.size() + 32);
  if (seq > 0) m->sse += "id: " + std::to_string(seq) + "\n";
  m->sse += "data: ";
  m->sse += text;  // JSON text has no raw newlines
  m->sse += "\n\n";
  m->text = std::move(text);
  m->made = std::chrono::steady_clock::now();
  return m;
}

}  // namespace centinela::realtime
