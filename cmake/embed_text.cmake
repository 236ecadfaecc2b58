# Writes a C++ header holding text files as constants, at build time (see hattama_embed_text in
# HattamaHelpers.cmake). Run by CMake with -DOUT=<header> -DNAMESPACE=<ns> and
# -DENTRIES="kName=/path/a|kOther=/path/b" and -DROOT=<source tree>, for the comment. Every byte is written as a \x escape, so no content
# (quotes, backslashes, a raw string's delimiter) can end the literal early.
string(REPLACE "|" ";" ENTRIES "${ENTRIES}")
set(names "")
foreach(entry IN LISTS ENTRIES)
  string(REGEX REPLACE "=.*" "" name "${entry}")
  string(REGEX REPLACE "^[^=]*=" "" path "${entry}")
  file(RELATIVE_PATH relative "${ROOT}" "${path}")
  list(APPEND sources "${relative}")
  file(READ "${path}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${hex}")
  string(APPEND constants "inline constexpr char ${name}[] = \"${escaped}\";\n")
endforeach()
list(JOIN sources ", " source_list)
file(WRITE "${OUT}.tmp"
  "// Generated at build time from ${source_list} by cmake/embed_text.cmake: edit those instead.\n"
  "#pragma once\n\nnamespace ${NAMESPACE} {\n\n${constants}\n}  // namespace ${NAMESPACE}\n")
# Unchanged content keeps the old file, so nothing that includes it is rebuilt for nothing.
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
