# Fails when a handler in src/api holds SQL or calls the store directly: every table has an
# owning module (docs/architecture.md, "Tables and their owners") and handlers reach rows
# only through it. Run as: cmake -DAPI_DIR=<src/api> -P no_sql.cmake
cmake_minimum_required(VERSION 3.16)
include("${CMAKE_CURRENT_LIST_DIR}/scan_sources.cmake")
scan_api_sources(found count PATTERNS
  "SELECT "
  "INSERT INTO"
  "UPDATE [a-z_]+ SET"
  "DELETE FROM"
  "ON CONFLICT"
  "(store|tx)(\\.|->)(Query|Exec|Write|WriteSync)\\(")
if(found)
  message(FATAL_ERROR "SQL or direct store calls in src/api (move them to the table's owner):\n${found}")
endif()
message(STATUS "no SQL in ${count} files of src/api")
