# Turns a text file into a C++ header holding it as one raw string constant, at build time, so the
# binary never reads the file at run time (cmake -P; gateway/backoffice/CMakeLists.txt runs it).
#   -DINPUT=file -DOUTPUT=header -DNAME=kConstant -DNAMESPACE=medclear::gateway [-DVERBATIM=ON]
# Each line break and the indentation after it are dropped: the file is laid out for reading, the
# page keeps no whitespace between its tags (between inline elements it would show). VERBATIM
# keeps the text as it is (a script or a style sheet, where a line break can matter).
file(READ "${INPUT}" text)
if(NOT VERBATIM)
  string(REGEX REPLACE "\n *" "" text "${text}")
endif()
string(FIND "${text}" ")embedded\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} holds the raw string's delimiter )embedded\"")
endif()
file(WRITE "${OUTPUT}" "// Generated from ${INPUT} by embed_text.cmake: edit that file.\n"
  "#pragma once\n\n#include <string_view>\n\nnamespace ${NAMESPACE} {\n\n"
  "inline constexpr std::string_view ${NAME} = R\"embedded(${text})embedded\";\n\n"
  "}  // namespace ${NAMESPACE}\n")
