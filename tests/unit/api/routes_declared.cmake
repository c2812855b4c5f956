# Fails when a route in src/api is added to a router other than through the route table
# (api/route.h: every route declares its caller and runs behind the one guard), or when a
# handler authenticates by hand. Run as: cmake -DAPI_DIR=<src/api> -P routes_declared.cmake
if(NOT API_DIR)
  message(FATAL_ERROR "API_DIR is not set")
endif()
file(GLOB sources "${API_DIR}/*.cc" "${API_DIR}/*.h")
set(patterns
  "[^a-z_]r\\.Add\\(\""
  "router\\.Add\\("
  "RequireRole\\("
  "AuthenticateForTotpEnrollment\\(ctx"
  "[^.>]Authenticate\\(ctx")
set(found "")
foreach(f IN LISTS sources)
  get_filename_component(name "${f}" NAME)
  if(name STREQUAL "route.cc" OR name STREQUAL "static_api.cc")
    continue()  # the guard itself; the web app's fallback (files, not API routes)
  endif()
  file(STRINGS "${f}" lines)
  foreach(line IN LISTS lines)
    foreach(p IN LISTS patterns)
      if(line MATCHES "${p}")
        string(APPEND found "  ${name}: ${line}\n")
        break()
      endif()
    endforeach()
  endforeach()
endforeach()
if(found)
  message(FATAL_ERROR "routes outside the route table, or hand-written authentication, in src/api:\n${found}")
endif()
message(STATUS "every route of src/api is on the route table")
