# Fails when a route in src/api is added to a router other than through the route table
# (api/route.h: every route declares its caller and runs behind the one guard), or when a
# handler authenticates by hand. Run as: cmake -DAPI_DIR=<src/api> -P routes_declared.cmake
cmake_minimum_required(VERSION 3.16)
include("${CMAKE_CURRENT_LIST_DIR}/scan_sources.cmake")
# route.cc is the guard itself; static_api.cc the web app's fallback (files, not API routes).
scan_api_sources(found count PATTERNS
  "[^a-z_]r\\.Add\\(\""
  "router\\.Add\\("
  "RequireRole\\("
  "AuthenticateForTotpEnrollment\\(ctx"
  "[^.>]Authenticate\\(ctx"
  EXCEPT route.cc static_api.cc)
if(found)
  message(FATAL_ERROR "routes outside the route table, or hand-written authentication, in src/api:\n${found}")
endif()
message(STATUS "every route of src/api is on the route table")
