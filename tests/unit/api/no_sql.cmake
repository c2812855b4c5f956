# Fails when a handler in src/api holds SQL or calls the store directly: every table has an
# owning module (docs/architecture.md, "Tables and their owners") and handlers reach rows
# only through it. Run as: cmake -DAPI_DIR=<src/api> -P no_sql.cmake
if(NOT API_DIR)
  message(FATAL_ERROR "API_DIR is not set")
endif()
file(GLOB sources "${API_DIR}/*.cc" "${API_DIR}/*.h")
set(patterns
  "SELECT "
  "INSERT INTO"
  "UPDATE [a-z_]+ SET"
  "DELETE FROM"
  "ON CONFLICT"
  "(store|tx)(\\.|->)(Query|Exec|Write|WriteSync)\\(")
set(found "")
foreach(f IN LISTS sources)
  file(STRINGS "${f}" lines)
  foreach(line IN LISTS lines)
    foreach(p IN LISTS patterns)
      if(line MATCHES "${p}")
        get_filename_component(name "${f}" NAME)
        string(APPEND found "  ${name}: ${line}\n")
        break()
      endif()
    endforeach()
  endforeach()
endforeach()
list(LENGTH sources count)
if(count EQUAL 0)
  message(FATAL_ERROR "no sources found under ${API_DIR}")
endif()
if(found)
  message(FATAL_ERROR "SQL or direct store calls in src/api (move them to the table's owner):\n${found}")
endif()
message(STATUS "no SQL in ${count} files of src/api")
