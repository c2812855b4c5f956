#include "http/security_headers.h"

#include <gtest/gtest.h>

#include <string>

namespace centinela::http {
namespace {

// The directives of `policy` that name `source` (each "name src src ..." between "; ").
std::string DirectivesWith(const std::string& policy, const std::string& source) {
  std::string found;
  size_t i = 0;
  while (i < policy.size()) {
    size_t j = policy.find("; ", i);
    if (j == std::string::npos) j = policy.size();
    const std::string directive = policy.substr(i, j - i);
    const std::string padded = directive + " ";
    if (padded.find(" " + source + " ") != std::string::npos)
      found += (found.empty() ? "" : ",") + directive.substr(0, directive.find(' '));
    i = j + 2;
  }
  return found;
}

TEST(ContentSecurityPolicyTest, IsStrictWithoutExtraOrigins) {
  const std::string csp = ContentSecurityPolicy();
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;  // no unsafe-inline, unsafe-eval
  EXPECT_EQ(DirectivesWith(csp, "'self'"),
            "default-src,script-src,style-src,img-src,media-src,font-src,connect-src,"
            "worker-src,child-src,manifest-src,form-action");
  EXPECT_EQ(DirectivesWith(csp, "blob:"), "img-src,media-src,worker-src,child-src");
  EXPECT_EQ(DirectivesWith(csp, "data:"), "img-src");
  EXPECT_EQ(DirectivesWith(csp, "'none'"), "frame-src,object-src,base-uri,frame-ancestors");
  EXPECT_EQ(csp.find("ws:"), std::string::npos);  // 'self' covers the same-host stream
  EXPECT_EQ(csp.find('*'), std::string::npos);
}

TEST(ContentSecurityPolicyTest, ExtraOriginsOnlyForImagesAndFetches) {
  const std::string csp = ContentSecurityPolicy({"https://tiles.example", "http://10.0.0.5:8081"});
  EXPECT_EQ(DirectivesWith(csp, "https://tiles.example"), "img-src,connect-src");
  EXPECT_EQ(DirectivesWith(csp, "http://10.0.0.5:8081"), "img-src,connect-src");
}

TEST(SecurityHeadersTest, NamesAndValues) {
  const auto headers = SecurityHeaders();
  ASSERT_EQ(headers.size(), 5u);
  EXPECT_EQ(headers[0].first, "Content-Security-Policy");
  EXPECT_EQ(headers[0].second, ContentSecurityPolicy());
  EXPECT_EQ(headers[1], std::make_pair(std::string("X-Frame-Options"), std::string("DENY")));
  EXPECT_EQ(headers[2], std::make_pair(std::string("Referrer-Policy"), std::string("no-referrer")));
  EXPECT_EQ(headers[3].first, "Permissions-Policy");
  EXPECT_EQ(headers[4],
            std::make_pair(std::string("X-Content-Type-Options"), std::string("nosniff")));
}

TEST(PermissionsPolicyTest, OnlyWhatTheAppUses) {
  const std::string p = PermissionsPolicy();
  size_t self = 0;
  for (size_t i = p.find("=(self)"); i != std::string::npos; i = p.find("=(self)", i + 1)) ++self;
  EXPECT_EQ(self, 4u) << p;
  for (const char* on :
       {"geolocation=(self)", "camera=(self)", "microphone=(self)", "autoplay=(self)"})
    EXPECT_NE(p.find(on), std::string::npos) << on;
  for (const char* off : {"usb=()", "payment=()", "display-capture=()", "browsing-topics=()"})
    EXPECT_NE(p.find(off), std::string::npos) << off;
  EXPECT_EQ(p.find('*'), std::string::npos);
}

TEST(OriginOfTest, ReducesUrlsToOrigins) {
  struct Case {
    const char* url;
    const char* origin;
  };
  for (const Case& c : {
           Case{"https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"},
           Case{"HTTPS://Tiles.Example:8443/{z}/{x}/{y}", "https://tiles.example:8443"},
           Case{"http://10.0.0.5:8081/t/{z}/{x}/{y}.png?key=abc", "http://10.0.0.5:8081"},
           Case{"http://[::1]:9000/{z}/{x}/{y}", "http://[::1]:9000"},
           Case{"https://tiles.example?x=1", "https://tiles.example"},
           Case{"https://tiles.example", "https://tiles.example"},
           // Not an origin we can name: relative, another scheme, a templated host,
           // userinfo, characters that would end a directive, a bad port.
           Case{"/tiles/{z}/{x}/{y}.png", ""},
           Case{"//tiles.example/{z}/{x}/{y}", ""},
           Case{"ftp://tiles.example/{z}", ""},
           Case{"https://{s}.tiles.example/{z}/{x}/{y}", ""},
           Case{"https://user:pw@tiles.example/{z}", ""},
           Case{"https://tiles.example;script-src *", ""},
           Case{"https://tiles example/", ""},
           Case{"https:///{z}", ""},
           Case{"https://tiles.example:/x", ""},
           Case{"https://tiles.example:99999999/x", ""},
           Case{"https://[::1/x", ""},
           Case{"https://[]/x", ""},
       }) {
    EXPECT_EQ(OriginOf(c.url), c.origin) << c.url;
  }
}

}  // namespace
}  // namespace centinela::http
