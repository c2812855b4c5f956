#include "realtime/frame_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace centinela::realtime {
namespace {

// A masked client frame.
std::string ClientFrameBytes(uint8_t first, std::string_view payload, uint32_t key = 0x11223344) {
  std::string f;
  f.push_back(static_cast<char>(first));
  const size_t n = payload.size();
  if (n < 126) {
    f.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xFFFF) {
    f.push_back(static_cast<char>(0x80 | 126));
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n & 0xFF));
  } else {
    f.push_back(static_cast<char>(0x80 | 127));
    for (int s = 56; s >= 0; s -= 8) f.push_back(static_cast<char>((uint64_t{n} >> s) & 0xFF));
  }
  const uint8_t k[4] = {static_cast<uint8_t>(key >> 24), static_cast<uint8_t>(key >> 16),
                        static_cast<uint8_t>(key >> 8), static_cast<uint8_t>(key)};
  for (uint8_t b : k) f.push_back(static_cast<char>(b));
  for (size_t i = 0; i < n; ++i) f.push_back(static_cast<char>(payload[i] ^ k[i % 4]));
  return f;
}

TEST(FrameParser, TextMessageArrivingByteByByte) {
  FrameParser p(1024);
  const std::string bytes = ClientFrameBytes(0x81, R"({"type":"ping"})");
  for (size_t i = 0; i + 1 < bytes.size(); ++i) {
    p.Feed(bytes.substr(i, 1));
    EXPECT_FALSE(p.Next().has_value()) << i;
  }
  p.Feed(bytes.substr(bytes.size() - 1));
  auto f = p.Next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, Opcode::kText);
  EXPECT_EQ(f->payload, R"({"type":"ping"})");
  EXPECT_EQ(p.error(), 0);
}

TEST(FrameParser, FragmentsWithAControlFrameBetween) {
  FrameParser p(1024);
  p.Feed(ClientFrameBytes(0x01, "hel") + ClientFrameBytes(0x89, "p") + ClientFrameBytes(0x80, "lo"));
  auto ping = p.Next();
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->opcode, Opcode::kPing);
  EXPECT_EQ(ping->payload, "p");
  auto msg = p.Next();
  ASSERT_TRUE(msg);
  EXPECT_EQ(msg->opcode, Opcode::kText);
  EXPECT_EQ(msg->payload, "hello");
}

TEST(FrameParser, MediumLengthAndTwoFramesInOneRead) {
  FrameParser p(100'000);
  const std::string big(300, 'x');
  p.Feed(ClientFrameBytes(0x81, big) + ClientFrameBytes(0x88, std::string("\x03\xe8", 2)));
  auto a = p.Next();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->payload, big);
  auto b = p.Next();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->opcode, Opcode::kClose);
  EXPECT_FALSE(p.Next());
}

TEST(FrameParser, ProtocolErrors) {
  {
    FrameParser p(1024);
    p.Feed(std::string("\x81\x02hi", 4));  // unmasked
    EXPECT_FALSE(p.Next());
    EXPECT_EQ(p.error(), 1002);
  }
  {
    FrameParser p(10);
    p.Feed(ClientFrameBytes(0x81, std::string(11, 'a')));
    EXPECT_FALSE(p.Next());
    EXPECT_EQ(p.error(), 1009);
  }
  {
    FrameParser p(1024);
    p.Feed(ClientFrameBytes(0x80, "x"));  // continuation without a start
    EXPECT_FALSE(p.Next());
    EXPECT_EQ(p.error(), 1002);
  }
  {
    FrameParser p(1024);
    p.Feed(ClientFrameBytes(0x09, "x"));  // fragmented control frame
    EXPECT_FALSE(p.Next());
    EXPECT_EQ(p.error(), 1002);
  }
}

TEST(Frames, ServerFrameHeaders) {
  EXPECT_EQ(FrameHeader(Opcode::kText, 5), std::string("\x81\x05", 2));
  EXPECT_EQ(FrameHeader(Opcode::kText, 126), std::string("\x81\x7e\x00\x7e", 4));
  EXPECT_EQ(FrameHeader(Opcode::kText, 70'000).size(), 10u);
  const std::string close = CloseFrame(4008, "too slow");
  EXPECT_EQ(static_cast<uint8_t>(close[0]), 0x88);
  EXPECT_EQ(static_cast<uint8_t>(close[2]) * 256 + static_cast<uint8_t>(close[3]), 4008);
  auto m = MakeMessage(7, "{}");
  EXPECT_EQ(m->sse, "id: 7\ndata: {}\n\n");
  EXPECT_EQ(m->ws_frame, std::string("\x81\x02{}", 4));
}

}  // namespace
}  // namespace centinela::realtime
