# Build habits in one place: how a text file is compiled in, and how a test is declared.

include(GoogleTest)

set(HATTAMA_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_text.cmake)

# hattama_service(<target>)
#
# A service's process: it allocates with jemalloc (Debian's libjemalloc-dev), which replaces
# malloc and free for the whole process. The services allocate and free many small strings and
# messages a protocol, from several threads; with glibc's malloc that was a quarter of
# aggregation's CPU (malloc_consolidate among it), and the same 10,000-station night took 30 to 40 %
# less CPU in aggregation, ingestion and publication with jemalloc (README, "What limits it").
# Not with HATTAMA_SANITIZE: AddressSanitizer brings its own malloc, which must stay the one.
function(hattama_service target)
  if(NOT HATTAMA_SANITIZE)
    target_link_libraries(${target} PRIVATE PkgConfig::JEMALLOC)
  endif()
endfunction()

# hattama_proto_library(<target> PROTOS <file>... IMPORT_DIRS <dir>... OUT_DIR <dir> [GRPC])
#
# A static library of the C++ protoc generates from PROTOS into OUT_DIR (and the gRPC stubs with
# GRPC). Each generated file stays its own translation unit: generated files define the same
# file-local names, so the unity build would make them collide.
function(hattama_proto_library target)
  cmake_parse_arguments(P "GRPC" "OUT_DIR" "PROTOS;IMPORT_DIRS" ${ARGN})
  add_library(${target} STATIC ${P_PROTOS})
  set_target_properties(${target} PROPERTIES UNITY_BUILD OFF)
  protobuf_generate(TARGET ${target} LANGUAGE cpp
    IMPORT_DIRS ${P_IMPORT_DIRS}
    PROTOC_OUT_DIR ${P_OUT_DIR})
  if(P_GRPC)
    protobuf_generate(TARGET ${target} LANGUAGE grpc
      GENERATE_EXTENSIONS .grpc.pb.h .grpc.pb.cc
      PLUGIN "protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>"
      IMPORT_DIRS ${P_IMPORT_DIRS}
      PROTOC_OUT_DIR ${P_OUT_DIR})
  endif()
endfunction()

# hattama_embed_text(<target> HEADER <include path> NAMESPACE <ns> FILES <kName> <file> ...)
#
# Compiles text files into <target> as `inline constexpr char kName[]` constants of a generated
# header, included as "<include path>" (e.g. services/aggregation/deployment_lua.h). The header is
# written at build time, so editing a file rebuilds what includes it: the text that runs is the
# text that was tested.
function(hattama_embed_text target)
  cmake_parse_arguments(E "" "HEADER;NAMESPACE" "FILES" ${ARGN})
  set(generated ${CMAKE_CURRENT_BINARY_DIR}/generated)
  set(out ${generated}/${E_HEADER})
  set(entries "")
  set(depends "")
  list(LENGTH E_FILES count)
  math(EXPR last "${count} - 1")
  foreach(i RANGE 0 ${last} 2)
    math(EXPR j "${i} + 1")
    list(GET E_FILES ${i} name)
    list(GET E_FILES ${j} file)
    get_filename_component(file ${file} ABSOLUTE)
    list(APPEND entries "${name}=${file}")
    list(APPEND depends ${file})
  endforeach()
  string(REPLACE ";" "|" entries "${entries}")
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNAMESPACE=${E_NAMESPACE} "-DENTRIES=${entries}"
            -DROOT=${PROJECT_SOURCE_DIR}
            -P ${HATTAMA_EMBED_SCRIPT}
    DEPENDS ${depends} ${HATTAMA_EMBED_SCRIPT}
    COMMENT "Embedding ${E_HEADER}"
    VERBATIM)
  target_sources(${target} PRIVATE ${out})
  target_include_directories(${target} PUBLIC ${generated})
endfunction()

# hattama_test(<name> SOURCES <file>... LIBS <lib>... [LABEL <label>] [NEEDS <target>...]
#              [SERIAL [STACK_LANE 2]] [ALONE] [SLOW] [TIMEOUT <s>] [DISCOVERY_TIMEOUT <s>]
#              [ONE_PROCESS <suite>...])
#
# A gtest executable in build/bin with its tests discovered into ctest. LABEL says which suite it
# belongs to (none: a fast unit test). One label only: gtest_discover_tests splits a list of them
# into separate property names; a second label for a whole folder goes on the folder
# (set_property(DIRECTORY APPEND PROPERTY LABELS <label>), as tests/portal does). NEEDS names the
# binaries it starts (services, devkafka), so that building the test builds them; HATTAMA_SOURCE_DIR
# points at the source tree for test data. Every test file is compiled with
# tests/testing/precompiled.h precompiled (hattama_test_base).
#
# SERIAL marks a test that runs the whole stack: such tests run at most two at a time, one in each
# of two lanes (RESOURCE_LOCK hattama_stack_1 and _2; STACK_LANE 2 puts a test in the second), and
# ctest starts them first (COST), so that the lighter tests fill the cores around them. They
# mostly wait on the stack (Election.PublishedTotalsEqualGroundTruth: 0.6 s of CPU in 5 s):
# RUN_SERIAL, which they all had once, left a core idle for 300 s of a 506 s run (e1fb776), and
# one lane for all of them still made 368 s of a 561 s run on the machine of 2026-12-01 one stack
# test after another, with the two cores a third busy. The lanes are chosen by hand, each about
# half of the stack tests' time; ./hattama test runs ctest at twice the cores. ALONE keeps
# RUN_SERIAL for a test that times the stack under its own load (a flood, slow sockets): a busy
# neighbour would be measured.
# SLOW is for a test that takes a minute or more mostly waiting (desk_test's minute-long outage):
# ctest starts it among the first (COST 500) but lets anything run beside it. Started late, it ran
# past every other test but the ALONE ones, which wait for it, with the other core idle (a fresh
# clone has no timings of its own for ctest to order by).
#
# ctest runs each discovered case in a process of its own, so a fixture's SetUpTestSuite starts
# its parts once per case. A suite named in ONE_PROCESS runs instead as one ctest test of that
# name, all its cases in one process, so that what its SetUpTestSuite starts (a Redis Cluster,
# say) is started once; a failing case is named in the test's output.
#
# Calls with the same name, in any directory, add their files and libraries to one executable,
# and must say the same LABEL, SERIAL, ALONE, SLOW, STACK_LANE, TIMEOUT, DISCOVERY_TIMEOUT and
# ONE_PROCESS (the first call declares the ctest properties of all its cases). Each executable's
# files are compiled together (the unity build), and each executable costs its own compile of the
# files it starts with: loading the precompiled header alone took 1.7 s a test file, and the seven
# unit test files of tests/publication took 36 s of CPU as seven executables against 10 s as one.
function(hattama_test name)
  cmake_parse_arguments(T "SERIAL;ALONE;SLOW" "LABEL;TIMEOUT;DISCOVERY_TIMEOUT;STACK_LANE" "SOURCES;LIBS;NEEDS;ONE_PROCESS"
                        ${ARGN})
  set(declared "LABEL=${T_LABEL};SERIAL=${T_SERIAL};ALONE=${T_ALONE};SLOW=${T_SLOW}")
  string(APPEND declared ";STACK_LANE=${T_STACK_LANE};TIMEOUT=${T_TIMEOUT}")
  string(APPEND declared ";DISCOVERY_TIMEOUT=${T_DISCOVERY_TIMEOUT};ONE_PROCESS=${T_ONE_PROCESS}")
  if(TARGET ${name})
    get_target_property(first ${name} HATTAMA_TEST_DECLARED)
    if(NOT first STREQUAL declared)
      message(FATAL_ERROR "hattama_test(${name}): declared as ${declared} here, as ${first} "
                          "where it was first declared; one executable's cases share these")
    endif()
    target_sources(${name} PRIVATE ${T_SOURCES})
    target_link_libraries(${name} PRIVATE ${T_LIBS})
    if(T_NEEDS)
      add_dependencies(${name} ${T_NEEDS})
    endif()
    return()
  endif()
  add_executable(${name} ${T_SOURCES})
  set_target_properties(${name} PROPERTIES HATTAMA_TEST_DECLARED "${declared}")
  # hattama_test_base (tests/CMakeLists.txt): -O0, HATTAMA_SOURCE_DIR and the common headers
  # precompiled with those flags.
  target_link_libraries(${name} PRIVATE ${T_LIBS} hattama_test_base GTest::gtest_main)
  target_precompile_headers(${name} REUSE_FROM hattama_test_base)
  if(T_NEEDS)
    add_dependencies(${name} ${T_NEEDS})
  endif()
  if(NOT T_DISCOVERY_TIMEOUT)
    set(T_DISCOVERY_TIMEOUT 30)
  endif()
  set(properties "")
  if(T_LABEL)
    list(APPEND properties LABELS ${T_LABEL})
  endif()
  if(T_ALONE)
    list(APPEND properties RUN_SERIAL TRUE COST 1000)
  elseif(T_SERIAL)
    if(NOT T_STACK_LANE)
      set(T_STACK_LANE 1)
    elseif(NOT T_STACK_LANE MATCHES "^[12]$")
      message(FATAL_ERROR "${name}: STACK_LANE is 1 or 2, not ${T_STACK_LANE}")
    endif()
    list(APPEND properties RESOURCE_LOCK hattama_stack_${T_STACK_LANE} COST 1000)
  elseif(T_SLOW)
    list(APPEND properties COST 500)
  endif()
  if(T_TIMEOUT)
    list(APPEND properties TIMEOUT ${T_TIMEOUT})
  endif()
  set(discover ${name} DISCOVERY_TIMEOUT ${T_DISCOVERY_TIMEOUT})
  if(properties)
    list(APPEND discover PROPERTIES ${properties})
  endif()
  if(T_ONE_PROCESS)
    set(whole "")
    foreach(suite ${T_ONE_PROCESS})
      add_test(NAME ${suite} COMMAND ${name} --gtest_filter=${suite}.*)
      if(properties)
        set_tests_properties(${suite} PROPERTIES ${properties})
      endif()
      list(APPEND whole "${suite}.*")
    endforeach()
    list(JOIN whole ":" whole)
    list(APPEND discover TEST_FILTER "-${whole}")
  endif()
  gtest_discover_tests(${discover})
endfunction()
