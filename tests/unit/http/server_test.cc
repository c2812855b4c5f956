#include "http/server.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.h"

namespace centinela::http {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using test::HttpClient;
using test::HttpResult;

constexpr size_t kMaxBody = 1024;
// The body limit of the one route with its own (/big), larger than the server's.
constexpr size_t kBigBody = 16 * kMaxBody;

// Checks that a response is exactly the error envelope {"error":{"code","message"}}.
void ExpectEnvelope(const HttpResult& r, int status, std::string_view code) {
  ASSERT_EQ(r.status, status) << r.error << " " << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("content-length"), std::to_string(r.body.size()));
  json::error_code ec;
  json::value v = json::parse(r.body, ec);
  ASSERT_FALSE(ec) << r.body;
  ASSERT_TRUE(v.is_object()) << r.body;
  const json::object& o = v.as_object();
  ASSERT_EQ(o.size(), 1u) << r.body;
  ASSERT_TRUE(o.contains("error")) << r.body;
  ASSERT_TRUE(o.at("error").is_object()) << r.body;
  const json::object& e = o.at("error").as_object();
  // 5xx answers to a request also name it (the detail is in the server's log, never here);
  // a connection refused before any request has no id.
  ASSERT_EQ(e.size(), e.contains("request_id") ? 3u : 2u) << r.body;
  if (e.contains("request_id")) {
    EXPECT_GE(status, 500);
    EXPECT_EQ(e.at("request_id").as_string(), r.Header("x-request-id"));
  }
  ASSERT_TRUE(e.contains("code") && e.at("code").is_string()) << r.body;
  ASSERT_TRUE(e.contains("message") && e.at("message").is_string()) << r.body;
  EXPECT_EQ(e.at("code").as_string(), code) << r.body;
}

std::string ErrorMessage(const HttpResult& r) {
  return std::string(json::parse(r.body).at("error").at("message").as_string());
}

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() {
    router_.Add("POST", "/echo", [](Request& req, Reply reply) {
      json::object o;
      o["echo"] = json::parse(req.body);
      reply(Response::Json(200, json::serialize(o)));
    });
    router_.Add("GET", "/inspect/{name}", [](Request& req, Reply reply) {
      json::object o, q;
      o["method"] = req.method;
      o["target"] = req.target;
      o["path"] = req.path;
      o["name"] = req.Param("name");
      o["route"] = req.route;
      o["ip"] = req.remote_ip;
      o["x-test"] = std::string(req.Header("X-TEST"));
      bool lower = true;
      for (const auto& [k, v] : req.headers)
        for (char c : k) lower = lower && !(c >= 'A' && c <= 'Z');
      o["lower"] = lower;
      for (const auto& [k, v] : req.query) q[k] = v;
      o["query"] = std::move(q);
      reply(Response::Json(200, json::serialize(o)));
    });
    router_.Add("GET", "/items/{id}", [](Request& req, Reply reply) {
      reply(Response::Json(200, "{\"id\":" + JsonQuote(req.Param("id")) + "}"));
    });
    router_.Add("DELETE", "/items/{id}",
                [](Request&, Reply reply) { reply(Response::Json(204, "")); });
    router_.Add("POST", "/upload", [](Request& req, Reply reply) {
      reply(Response::Json(200, "{\"bytes\":" + std::to_string(req.body.size()) + "}"));
    });
    router_.Add(
        "POST", "/big",
        [](Request& req, Reply reply) {
          reply(Response::Json(200, "{\"bytes\":" + std::to_string(req.body.size()) + "}"));
        },
        RouteOptions{kBigBody});
    {
      RouteOptions guarded;
      guarded.max_body_bytes = kBigBody;
      guarded.check_header = [](const Request& req) {
        return req.Header("authorization") == "Bearer good" ? Status::Ok()
                                                            : Unauthenticated("bad token");
      };
      router_.Add(
          "PUT", "/guarded",
          [](Request& req, Reply reply) {
            reply(Response::Json(200, "{\"bytes\":" + std::to_string(req.body.size()) + "}"));
          },
          guarded);
    }
    router_.Add("GET", "/later", [this](Request&, Reply reply) {
      Spawn([reply] {
        std::this_thread::sleep_for(50ms);
        reply(Response::Json(200, "{\"later\":true}"));
      });
    });
    router_.Add("GET", "/slow", [this](Request&, Reply reply) {
      slow_entered_.set_value();
      Spawn([reply] {
        std::this_thread::sleep_for(300ms);
        reply(Response::Json(200, "{\"slow\":true}"));
      });
    });
    router_.Add("GET", "/throw", [](Request&, Reply) -> void {
      throw std::runtime_error("db password is hunter2");
    });
    router_.Add("GET", "/store-failure", [](Request&, Reply reply) {
      reply(Response::Error(Internal("sqlite: disk I/O error at /var/lib/centinela/x.db")));
    });
    router_.Add("GET", "/db-down", [](Request&, Reply reply) {
      reply(Response::Error(
          Unavailable("postgresql connection lost: host=db password=hunter2")));
    });
    router_.Add("GET", "/twice", [](Request&, Reply reply) {
      reply(Response::Json(200, "{\"n\":1}"));
      reply(Response::Json(200, "{\"n\":2}"));
    });
    router_.Add("GET", "/never", [this](Request&, Reply reply) {
      std::lock_guard lock(mu_);
      kept_replies_.push_back(std::move(reply));
    });
    router_.Add("GET", "/custom", [](Request&, Reply reply) {
      Response r = Response::Json(200, "{}");
      r.headers = {{"Cache-Control", "max-age=60"},
                   {"X-Custom", "yes"},
                   {"X-Bad", "a\r\nSet-Cookie: evil=1"},
                   {"Content-Length", "999"}};
      reply(std::move(r));
    });
  }

  ~ServerTest() override {
    server_.reset();
    std::lock_guard lock(mu_);
    for (auto& t : workers_) t.join();
  }

  static ServerOptions Options() {
    ServerOptions o;
    o.port = 0;
    o.threads = 2;
    o.max_body_bytes = kMaxBody;
    o.drain_timeout_ms = 10'000;
    return o;
  }

  void StartServer(ServerOptions o = Options()) {
    server_ = std::make_unique<Server>(o, router_, metrics_);
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_NE(server_->port(), 0);
  }

  HttpClient Client(std::chrono::milliseconds timeout = 5s) {
    return HttpClient("127.0.0.1", server_->port(), timeout);
  }

  void Spawn(std::function<void()> f) {
    std::lock_guard lock(mu_);
    workers_.emplace_back(std::move(f));
  }

  double Requests(const std::string& route, const std::string& method, int status) {
    return metrics_.Value(
        "centinela_http_requests_total",
        {{"route", route}, {"method", method}, {"status", std::to_string(status)}});
  }

  Router router_;
  Metrics metrics_;
  std::promise<void> slow_entered_;
  std::mutex mu_;
  std::vector<std::thread> workers_;  // guarded by mu_
  std::vector<Reply> kept_replies_;   // guarded by mu_
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, JsonRoundTrip) {
  StartServer();
  HttpClient c = Client();
  HttpResult r = c.Request("POST", "/echo", R"({"a":[1,2,"tres"]})");
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("cache-control"), "no-store");
  EXPECT_EQ(r.Header("server"), "centinela");
  EXPECT_EQ(r.Header("content-length"), std::to_string(r.body.size()));
  EXPECT_TRUE(r.keep_alive);
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"echo":{"a":[1,2,"tres"]}})"));
}

TEST_F(ServerTest, BuildsTheRequestHandlersSee) {
  StartServer();
  HttpClient c = Client();
  HttpResult r = c.Request("GET", "/inspect/San%20Miguel?kind=precinct&q=a+b%26c", {},
                           {{"X-Test", "value"}, {"Accept", "application/json"}});
  ASSERT_EQ(r.status, 200) << r.error;
  json::value v = json::parse(r.body);
  EXPECT_EQ(v.at("method").as_string(), "GET");
  EXPECT_EQ(v.at("target").as_string(), "/inspect/San%20Miguel?kind=precinct&q=a+b%26c");
  EXPECT_EQ(v.at("path").as_string(), "/inspect/San Miguel");
  EXPECT_EQ(v.at("name").as_string(), "San Miguel");
  EXPECT_EQ(v.at("route").as_string(), "/inspect/{name}");
  EXPECT_EQ(v.at("ip").as_string(), "127.0.0.1");
  EXPECT_EQ(v.at("x-test").as_string(), "value");
  EXPECT_TRUE(v.at("lower").as_bool());
  EXPECT_EQ(v.at("query").at("kind").as_string(), "precinct");
  EXPECT_EQ(v.at("query").at("q").as_string(), "a b&c");
}

TEST_F(ServerTest, MethodIsUpperCased) {
  StartServer();
  HttpClient c = Client();
  HttpResult r = c.SendRaw("get /items/1 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(r.status, 200) << r.error << r.body;
}

TEST_F(ServerTest, NotFoundAndMethodNotAllowedUseTheEnvelope) {
  StartServer();
  HttpClient c = Client();
  HttpResult r = c.Request("GET", "/nope");
  ExpectEnvelope(r, 404, "not_found");
  EXPECT_TRUE(r.keep_alive);

  r = c.Request("PUT", "/items/3", "{}");
  ExpectEnvelope(r, 405, "method_not_allowed");
  EXPECT_EQ(r.Header("allow"), "GET, DELETE, HEAD");
  EXPECT_EQ(c.connects(), 1);
}

TEST_F(ServerTest, UnparsableTargetIs400) {
  StartServer();
  HttpClient c = Client();
  HttpResult r = c.SendRaw("GET /items/%zz HTTP/1.1\r\nHost: x\r\n\r\n");
  ExpectEnvelope(r, 400, "bad_request");
}

TEST_F(ServerTest, OversizeBodyWithContentLengthIs413) {
  StartServer();
  HttpClient c = Client();
  HttpResult ok = c.Request("POST", "/upload", std::string(kMaxBody, 'x'));
  ASSERT_EQ(ok.status, 200) << ok.error;
  EXPECT_EQ(json::parse(ok.body).at("bytes").as_int64(), static_cast<int64_t>(kMaxBody));

  HttpResult r = c.Request("POST", "/upload", std::string(64 * 1024, 'x'));
  ExpectEnvelope(r, 413, "payload_too_large");
  EXPECT_FALSE(r.keep_alive);
  EXPECT_FALSE(c.connected());
}

TEST_F(ServerTest, HugeContentLengthIsRejectedBeforeTheBody) {
  StartServer();
  HttpClient c = Client();
  // No body follows: the answer can only come from the header.
  HttpResult r =
      c.SendRaw("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n");
  ExpectEnvelope(r, 413, "payload_too_large");
  EXPECT_EQ(r.Header("connection"), "close");
}

TEST_F(ServerTest, OversizeChunkedBodyIs413) {
  StartServer();
  HttpClient c = Client();
  std::string req = "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 8; ++i) req += "200\r\n" + std::string(0x200, 'y') + "\r\n";  // 4 KiB
  req += "0\r\n\r\n";
  HttpResult r = c.SendRaw(req);
  ExpectEnvelope(r, 413, "payload_too_large");

  HttpClient small = Client();
  r = small.SendRaw(
      "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(json::parse(r.body).at("bytes").as_int64(), 11);
}

// A route with its own body limit: larger than the server's, applied once the header names
// the route and before any body byte is read; the other routes keep the server's limit.
TEST_F(ServerTest, PerRouteBodyLimitAppliesBeforeTheBody) {
  StartServer();
  HttpClient c = Client();
  HttpResult ok = c.Request("POST", "/big", std::string(kBigBody, 'b'));
  ASSERT_EQ(ok.status, 200) << ok.error;
  EXPECT_EQ(json::parse(ok.body).at("bytes").as_int64(), static_cast<int64_t>(kBigBody));

  HttpResult over = c.Request("POST", "/big", std::string(kBigBody + 1, 'b'));
  ExpectEnvelope(over, 413, "payload_too_large");
  EXPECT_NE(ErrorMessage(over).find(std::to_string(kBigBody)), std::string::npos)
      << ErrorMessage(over);

  // The header alone decides: no body follows, and no 100 Continue is promised.
  HttpClient raw = Client();
  HttpResult early = raw.SendRaw("POST /big HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                                 "Content-Length: " + std::to_string(kBigBody + 1) + "\r\n\r\n");
  ExpectEnvelope(early, 413, "payload_too_large");

  // A chunked body is counted against the route's limit as it arrives.
  HttpClient chunked = Client();
  std::string req = "POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(0x1000, 'c');
  for (size_t sent = 0; sent <= kBigBody; sent += chunk.size()) req += "1000\r\n" + chunk + "\r\n";
  req += "0\r\n\r\n";
  ExpectEnvelope(chunked.SendRaw(req), 413, "payload_too_large");

  // Routes without options keep the server-wide limit even though /big admits more.
  HttpClient small = Client();
  HttpResult r = small.Request("POST", "/upload", std::string(kMaxBody + 1, 'x'));
  ExpectEnvelope(r, 413, "payload_too_large");
  EXPECT_NE(ErrorMessage(r).find(std::to_string(kMaxBody)), std::string::npos) << ErrorMessage(r);
}

// A route's header check answers 401 before the body: the client that announced a large
// body and sent none of it gets the answer at once (no 100 Continue, no waiting for bytes).
TEST_F(ServerTest, HeaderCheckRefusesBeforeReadingTheBody) {
  StartServer();
  HttpClient raw = Client();
  const auto t0 = std::chrono::steady_clock::now();
  HttpResult refused = raw.SendRaw("PUT /guarded HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                                   "Authorization: Bearer forged\r\nContent-Length: " +
                                   std::to_string(kBigBody) + "\r\n\r\n");
  ExpectEnvelope(refused, 401, "unauthenticated");
  EXPECT_EQ(refused.Header("www-authenticate"), "Bearer");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);  // the read timeout would be 30 s
  HttpClient ok = Client();
  HttpResult accepted = ok.Request("PUT", "/guarded", std::string(100, 'x'),
                                   {{"Authorization", "Bearer good"}});
  ASSERT_EQ(accepted.status, 200) << accepted.error << accepted.body;
  EXPECT_EQ(json::parse(accepted.body).at("bytes").as_int64(), 100);
}

TEST_F(ServerTest, MalformedHttpIs400AndCloses) {
  StartServer();
  for (const char* raw :
       {"GARBAGE\r\n\r\n", "GET /items/1 HTTP/1.1\r\nBad Header Line\r\n\r\n",
        "GET /items/1 HTTP/9.9\r\n\r\n", "POST /upload HTTP/1.1\r\nContent-Length: abc\r\n\r\n"}) {
    HttpClient c = Client();
    HttpResult r = c.SendRaw(raw);
    ExpectEnvelope(r, 400, "bad_request");
    EXPECT_FALSE(r.keep_alive) << raw;
    EXPECT_TRUE(c.WaitForClose(2s)) << raw;
  }
}

TEST_F(ServerTest, OversizeHeaderIs431) {
  ServerOptions o = Options();
  o.max_header_bytes = 1024;
  StartServer(o);
  HttpClient c = Client();
  HttpResult r = c.Request("GET", "/items/1", {}, {{"X-Big", std::string(4096, 'h')}});
  ExpectEnvelope(r, 431, "bad_request");
}

TEST_F(ServerTest, ExpectContinueGetsAnInterimResponse) {
  StartServer();
  HttpClient c = Client();
  HttpResult interim = c.SendRaw(
      "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  ASSERT_EQ(interim.status, 100) << interim.error;
  HttpResult r = c.SendRaw("hello");
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "{\"bytes\":5}");
}

TEST_F(ServerTest, HandlerMayReplyFromAnotherThreadLater) {
  StartServer();
  HttpClient c = Client();
  auto start = std::chrono::steady_clock::now();
  HttpResult r = c.Request("GET", "/later");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "{\"later\":true}");
  // The connection is still good for the next request.
  EXPECT_EQ(c.Request("GET", "/items/2").status, 200);
  EXPECT_EQ(c.connects(), 1);
}

TEST_F(ServerTest, HandlerThatThrowsGives500WithoutDetails) {
  StartServer();
  HttpClient c = Client();
  HttpResult r = c.Request("GET", "/throw");
  ExpectEnvelope(r, 500, "internal");
  EXPECT_EQ(ErrorMessage(r), "internal error");
  EXPECT_EQ(r.body.find("hunter2"), std::string::npos);
  EXPECT_EQ(r.body.find("runtime_error"), std::string::npos);
  EXPECT_EQ(c.Request("GET", "/items/2").status, 200);
}

TEST_F(ServerTest, InternalErrorTextNeverReachesTheClient) {
  StartServer();
  HttpClient c = Client();
  HttpResult r = c.Request("GET", "/store-failure");
  ExpectEnvelope(r, 500, "internal");
  EXPECT_EQ(ErrorMessage(r), "internal error");
  EXPECT_EQ(r.body.find("sqlite"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("/var/lib"), std::string::npos) << r.body;
  // The answer names the request, so an operator finds the detail in the log.
  const std::string id = r.Header("x-request-id");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(boost::json::parse(r.body).at("error").at("request_id").as_string(), id);

  r = c.Request("GET", "/db-down");
  ExpectEnvelope(r, 503, "unavailable");
  EXPECT_EQ(r.body.find("hunter2"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("postgresql"), std::string::npos) << r.body;
  EXPECT_NE(r.Header("x-request-id"), id);  // one id per request
}

TEST_F(ServerTest, EveryAnswerCarriesARequestId) {
  StartServer();
  HttpClient c = Client();
  HttpResult a = c.Request("GET", "/items/2");
  HttpResult b = c.Request("GET", "/nowhere");
  EXPECT_FALSE(a.Header("x-request-id").empty());
  EXPECT_FALSE(b.Header("x-request-id").empty());
  EXPECT_NE(a.Header("x-request-id"), b.Header("x-request-id"));
  // Below 500 the envelope is as it was: no request id inside.
  EXPECT_EQ(b.body.find("request_id"), std::string::npos);
}

TEST_F(ServerTest, SecondReplyIsIgnored) {
  StartServer();
  HttpClient c = Client();
  HttpResult r = c.Request("GET", "/twice");
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "{\"n\":1}");
  r = c.Request("GET", "/items/5");
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "{\"id\":\"5\"}");
  EXPECT_EQ(c.connects(), 1);
}

TEST_F(ServerTest, HandlerThatNeverRepliesGets503AtTheDeadline) {
  ServerOptions o = Options();
  o.handler_timeout_ms = 200;
  StartServer(o);
  HttpClient c = Client();
  auto start = std::chrono::steady_clock::now();
  HttpResult r = c.Request("GET", "/never");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  ExpectEnvelope(r, 503, "unavailable");
  // A reply after the deadline is ignored, and so is one after the server is gone.
  {
    std::lock_guard lock(mu_);
    ASSERT_EQ(kept_replies_.size(), 1u);
    kept_replies_[0](Response::Json(200, "{}"));
  }
  EXPECT_EQ(c.Request("GET", "/items/1").status, 200);
}

TEST_F(ServerTest, ReplyAfterTheServerIsGoneIsHarmless) {
  ServerOptions o = Options();
  o.drain_timeout_ms = 100;
  StartServer(o);
  std::thread t([this] {
    HttpClient c = Client(2s);
    HttpResult r = c.Request("GET", "/never");
    EXPECT_EQ(r.status, 0);  // the drain gave up on it and closed the connection
  });
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(mu_);
      if (!kept_replies_.empty()) break;
    }
    std::this_thread::sleep_for(5ms);
  }
  server_->Stop();
  t.join();
  server_.reset();
  std::lock_guard lock(mu_);
  ASSERT_EQ(kept_replies_.size(), 1u);
  kept_replies_[0](Response::Json(200, "{}"));
}

TEST_F(ServerTest, HeadAnswersLikeGetWithoutABody) {
  StartServer();
  HttpClient c = Client();
  HttpResult get = c.Request("GET", "/items/77");
  ASSERT_EQ(get.status, 200);
  HttpResult head = c.Request("HEAD", "/items/77");
  ASSERT_EQ(head.status, 200) << head.error;
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.Header("content-length"), std::to_string(get.body.size()));
  EXPECT_EQ(head.Header("content-type"), "application/json");
  // Framing stayed intact: the connection serves the next request.
  EXPECT_EQ(c.Request("GET", "/items/78").body, "{\"id\":\"78\"}");
  EXPECT_EQ(c.connects(), 1);
}

TEST_F(ServerTest, NoContentHasNoBody) {
  StartServer();
  HttpClient c = Client();
  HttpResult r = c.Request("DELETE", "/items/9");
  ASSERT_EQ(r.status, 204) << r.error;
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(c.Request("GET", "/items/9").status, 200);
}

TEST_F(ServerTest, HandlerHeadersAreSentButFramingStaysOurs) {
  StartServer();
  HttpClient c = Client();
  HttpResult r = c.Request("GET", "/custom");
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.Header("cache-control"), "max-age=60");
  EXPECT_EQ(r.Header("x-custom"), "yes");
  EXPECT_EQ(r.Header("x-bad"), "");
  EXPECT_EQ(r.Header("set-cookie"), "");
  EXPECT_EQ(r.Header("content-length"), "2");
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  StartServer();
  HttpClient c = Client();
  for (int i = 0; i < 100; ++i) {
    HttpResult r = c.Request("GET", "/items/" + std::to_string(i));
    ASSERT_EQ(r.status, 200) << i << " " << r.error;
    ASSERT_EQ(r.body, "{\"id\":\"" + std::to_string(i) + "\"}");
    ASSERT_TRUE(r.keep_alive);
  }
  EXPECT_EQ(c.connects(), 1);
  EXPECT_EQ(metrics_.Value("centinela_http_connections"), 1);
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  HttpClient c = Client();
  HttpResult first = c.SendRaw(
      "GET /later HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /items/second HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /items/third HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(first.status, 200) << first.error;
  EXPECT_EQ(first.body, "{\"later\":true}");
  HttpResult second = c.ReadResponse();
  EXPECT_EQ(second.body, "{\"id\":\"second\"}");
  HttpResult third = c.ReadResponse();
  EXPECT_EQ(third.body, "{\"id\":\"third\"}");
}

TEST_F(ServerTest, Http10ClosesUnlessKeepAliveIsAsked) {
  StartServer();
  HttpClient c = Client();
  HttpResult r = c.SendRaw("GET /items/1 HTTP/1.0\r\n\r\n");
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_FALSE(r.keep_alive);
  EXPECT_TRUE(c.WaitForClose(2s));
}

TEST_F(ServerTest, IdleConnectionsTimeOut) {
  ServerOptions o = Options();
  o.idle_timeout_ms = 100;
  StartServer(o);
  HttpClient c = Client();
  ASSERT_EQ(c.Request("GET", "/items/1").status, 200);
  EXPECT_TRUE(c.WaitForClose(3s));
}

TEST_F(ServerTest, SlowRequestTimesOut) {
  ServerOptions o = Options();
  o.read_timeout_ms = 150;
  StartServer(o);
  HttpClient c = Client();
  ASSERT_TRUE(c.Connect());
  // Half a header, then silence: the server hangs up after read_timeout.
  HttpResult r = c.SendRaw("GET /items/1 HTTP/1.1\r\nHo");
  EXPECT_EQ(r.status, 0);
}

TEST_F(ServerTest, StopDrainsInFlightRequestsAndRefusesNewOnes) {
  StartServer();
  const uint16_t port = server_->port();
  HttpClient idle = Client();
  ASSERT_EQ(idle.Request("GET", "/items/1").status, 200);  // now an idle keep-alive

  std::future<void> entered = slow_entered_.get_future();
  HttpResult slow;
  std::thread t([&] {
    HttpClient c("127.0.0.1", port, 5s);
    slow = c.Request("GET", "/slow");
  });
  ASSERT_EQ(entered.wait_for(5s), std::future_status::ready);

  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  auto took = std::chrono::steady_clock::now() - start;
  t.join();

  ASSERT_EQ(slow.status, 200) << slow.error;
  EXPECT_EQ(slow.body, "{\"slow\":true}");
  EXPECT_EQ(slow.Header("connection"), "close");
  EXPECT_LT(took, 3s) << "idle connections must not hold the drain";
  EXPECT_TRUE(idle.WaitForClose(1s));

  HttpClient late("127.0.0.1", port, 1s);
  std::string error;
  EXPECT_FALSE(late.Connect(&error));
  EXPECT_EQ(metrics_.Value("centinela_http_connections"), 0);
  server_->Stop();  // idempotent
}

TEST_F(ServerTest, ConnectionsBeyondTheCapGet503) {
  ServerOptions o = Options();
  o.max_connections = 1;
  StartServer(o);
  HttpClient first = Client();
  ASSERT_EQ(first.Request("GET", "/items/1").status, 200);
  HttpClient second = Client();
  HttpResult r = second.Request("GET", "/items/2");
  ExpectEnvelope(r, 503, "unavailable");
  EXPECT_EQ(metrics_.Value("centinela_http_connections_rejected_total"), 1);
  first.Close();
  // The slot frees once the first connection is gone.
  for (int i = 0; i < 100 && metrics_.Value("centinela_http_connections") != 0; ++i)
    std::this_thread::sleep_for(10ms);
  HttpClient third = Client();
  EXPECT_EQ(third.Request("GET", "/items/3").status, 200);
}

TEST_F(ServerTest, RecordsMetricsByRouteMethodAndStatus) {
  StartServer();
  HttpClient c = Client();
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(c.Request("GET", "/items/" + std::to_string(i)).status, 200);
  ASSERT_EQ(c.Request("GET", "/missing").status, 404);
  ASSERT_EQ(c.Request("POST", "/items/1", "{}").status, 405);
  ASSERT_EQ(c.Request("GET", "/throw").status, 500);
  ASSERT_EQ(c.Request("BREW", "/items/1").status, 405);

  // A request is recorded just after its response is written, so the last one may lag.
  for (int i = 0; i < 200 && Requests("/items/{id}", "OTHER", 405) < 1; ++i)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(Requests("/items/{id}", "GET", 200), 3);
  EXPECT_EQ(Requests("unmatched", "GET", 404), 1);
  EXPECT_EQ(Requests("/items/{id}", "POST", 405), 1);
  EXPECT_EQ(Requests("/throw", "GET", 500), 1);
  EXPECT_EQ(Requests("/items/{id}", "OTHER", 405), 1);
  EXPECT_EQ(metrics_.Count("centinela_http_request_duration_seconds",
                           {{"route", "/items/{id}"}, {"method", "GET"}}),
            3u);
  const std::string text = metrics_.Render();
  EXPECT_NE(text.find("# HELP centinela_http_requests_total"), std::string::npos);
  EXPECT_NE(text.find("# TYPE centinela_http_request_duration_seconds histogram"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE centinela_http_connections gauge"), std::string::npos);
}

TEST_F(ServerTest, AccessLogHasOneLinePerRequestWithoutQueryOrHeaders) {
  StartServer();
  auto stream = std::make_shared<std::ostringstream>();
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*stream);
  sink->set_pattern("%v");
  auto logger = spdlog::get("access");
  ASSERT_NE(logger, nullptr);
  logger->sinks().push_back(sink);
  HttpClient c = Client();
  ASSERT_EQ(
      c.Request("GET", "/inspect/a?token=s3cr3t", {}, {{"Authorization", "Bearer tok3n"}}).status,
      200);
  server_.reset();  // all requests are logged once the server has stopped
  logger->sinks().pop_back();

  const std::string out = stream->str();
  EXPECT_EQ(out.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(out.find("tok3n"), std::string::npos);
  std::istringstream lines(out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    json::object o = json::parse(line).as_object();
    EXPECT_EQ(o.at("method").as_string(), "GET");
    EXPECT_EQ(o.at("path").as_string(), "/inspect/a");
    EXPECT_EQ(o.at("route").as_string(), "/inspect/{name}");
    EXPECT_EQ(o.at("status").as_int64(), 200);
    EXPECT_EQ(o.at("ip").as_string(), "127.0.0.1");
    EXPECT_GT(o.at("bytes").as_int64(), 0);
    EXPECT_TRUE(o.contains("time"));
    EXPECT_TRUE(o.contains("duration_ms"));
  }
  EXPECT_EQ(n, 1);
}

TEST_F(ServerTest, StartFailsClearlyWhenThePortIsTaken) {
  StartServer();
  ServerOptions o = Options();
  o.port = server_->port();
  Server second(o, router_, metrics_);
  Status s = second.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(std::to_string(o.port)), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("in use"), std::string::npos) << s.message();
}

TEST_F(ServerTest, ListensOnAHostName) {
  ServerOptions o = Options();
  o.host = "localhost";
  StartServer(o);
  HttpClient c("localhost", server_->port(), 5s);
  EXPECT_EQ(c.Request("GET", "/items/1").status, 200);
}

TEST_F(ServerTest, StopWakesWaitForSignal) {
  StartServer();
  std::thread waiter([this] { server_->WaitForSignal(); });
  std::this_thread::sleep_for(50ms);
  server_->Stop();
  waiter.join();
}

TEST_F(ServerTest, WaitForSignalReturnsOnSigterm) {
  StartServer();
  std::thread waiter([this] { server_->WaitForSignal(); });
  // Send the signal only once WaitForSignal has installed its handler.
  bool installed = false;
  for (int i = 0; i < 500 && !installed; ++i) {
    struct sigaction current {};
    ::sigaction(SIGTERM, nullptr, &current);
    installed = current.sa_handler != SIG_DFL;
    if (!installed) std::this_thread::sleep_for(2ms);
  }
  EXPECT_TRUE(installed);
  if (installed) {
    EXPECT_EQ(::kill(::getpid(), SIGTERM), 0);
  } else {
    server_->Stop();  // do not leave the waiter blocked
  }
  waiter.join();
  server_->Stop();
}

// A SIGTERM that arrives after Start() but before WaitForSignal() (a supervisor stopping a
// server that has just come up) must be queued, not kill the process.
TEST_F(ServerTest, SigtermBeforeWaitForSignalIsNotLost) {
  StartServer();
  struct sigaction current {};
  ::sigaction(SIGTERM, nullptr, &current);
  ASSERT_NE(current.sa_handler, SIG_DFL) << "Start() must install the SIGTERM handler";
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);  // would end the test binary if not caught
  std::thread waiter([this] { server_->WaitForSignal(); });
  waiter.join();  // returns because the early signal was queued
  server_->Stop();
}

}  // namespace
}  // namespace centinela::http
