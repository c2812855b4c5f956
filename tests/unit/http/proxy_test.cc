// The client's address behind trusted proxies: CIDR parsing and the X-Forwarded-For walk.
#include "http/proxy.h"

#include <gtest/gtest.h>

namespace centinela::http {
namespace {

std::vector<Cidr> Nets(const std::string& text) {
  auto r = ParseCidrList(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().message();
  return r.ok() ? *r : std::vector<Cidr>{};
}

TEST(ParseCidrList, AcceptsIpv4Ipv6HostsAndNetworks) {
  EXPECT_TRUE(Nets("").empty());
  EXPECT_EQ(Nets("10.0.0.0/8, 127.0.0.1 ::1/128,fd00::/8").size(), 4u);
  const auto nets = Nets("10.0.0.0/8, 192.168.1.7, 2001:db8::/32");
  EXPECT_TRUE(InNetworks(nets, "10.255.1.2"));
  EXPECT_FALSE(InNetworks(nets, "11.0.0.1"));
  EXPECT_TRUE(InNetworks(nets, "192.168.1.7"));
  EXPECT_FALSE(InNetworks(nets, "192.168.1.8"));
  EXPECT_TRUE(InNetworks(nets, "2001:db8:1::5"));
  EXPECT_FALSE(InNetworks(nets, "2001:db9::5"));
  // An IPv4-mapped IPv6 peer (a dual-stack listener) is the IPv4 address.
  EXPECT_TRUE(InNetworks(nets, "::ffff:10.1.2.3"));
  EXPECT_FALSE(InNetworks(nets, "not an address"));
  EXPECT_TRUE(InNetworks(Nets("0.0.0.0/0"), "203.0.113.9"));
  EXPECT_FALSE(InNetworks(Nets("0.0.0.0/0"), "2001:db8::1"));
}

TEST(ParseCidrList, RefusesBadEntriesNamingThem) {
  for (const char* bad : {"10.0.0.0/33", "::1/129", "10.0.0/8", "10.0.0.0/", "10.0.0.0/x",
                          "example.org", "10.0.0.0/8, 300.1.1.1"}) {
    auto r = ParseCidrList(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  }
  auto r = ParseCidrList("127.0.0.1, banana");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("banana"), std::string::npos);
}

TEST(ClientAddress, IgnoresTheHeaderUnlessThePeerIsTrusted) {
  EXPECT_EQ(ClientAddress({}, "127.0.0.1", "203.0.113.9"), "127.0.0.1");
  const auto trusted = Nets("127.0.0.1/32, 10.0.0.0/8");
  EXPECT_EQ(ClientAddress(trusted, "198.51.100.1", "203.0.113.9"), "198.51.100.1");
  EXPECT_EQ(ClientAddress(trusted, "127.0.0.1", ""), "127.0.0.1");
}

TEST(ClientAddress, TakesTheRightMostUntrustedHop) {
  const auto trusted = Nets("127.0.0.1/32, 10.0.0.0/8");
  EXPECT_EQ(ClientAddress(trusted, "127.0.0.1", "203.0.113.9"), "203.0.113.9");
  // The client wrote "1.2.3.4" itself; the proxies appended what they saw.
  EXPECT_EQ(ClientAddress(trusted, "127.0.0.1", "1.2.3.4, 203.0.113.9, 10.0.0.5"), "203.0.113.9");
  EXPECT_EQ(ClientAddress(trusted, "127.0.0.1", " 2001:db8::7 "), "2001:db8::7");
  EXPECT_EQ(ClientAddress(trusted, "127.0.0.1", "[2001:db8::7]"), "2001:db8::7");
  // Every hop trusted: the left-most is the best we know.
  EXPECT_EQ(ClientAddress(trusted, "127.0.0.1", "10.0.0.9, 10.0.0.5"), "10.0.0.9");
  // Garbage stops the walk at what the last trusted hop vouched for.
  EXPECT_EQ(ClientAddress(trusted, "127.0.0.1", "203.0.113.9, garbage"), "127.0.0.1");
  EXPECT_EQ(ClientAddress(trusted, "127.0.0.1", "garbage, 10.0.0.5"), "10.0.0.5");
}

}  // namespace
}  // namespace centinela::http
