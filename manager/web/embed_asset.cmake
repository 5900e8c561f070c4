# Turns a file into a C++ source defining `std::string_view NAME()` over its
# bytes (a char array, so no raw-string delimiter or length limit can bite).
#   cmake -DINPUT=dashboard.html -DOUTPUT=.../web_assets_data.cc
#         -DNAME=DashboardHtml -P embed_asset.cmake (in manager/web)
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
# Forty bytes per line keeps the generated file readable in a debugger.
string(REGEX REPLACE "(('\\\\x[0-9a-f][0-9a-f]',){40})" "\\1\n  " bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
"// Generated from ${INPUT} by manager/web/embed_asset.cmake. Do not edit.
#include \"manager/web/web_assets.h\"

namespace tabsim {
namespace {
const char kBytes[${size} + 1] = {
  ${bytes}'\\0'};
}  // namespace

std::string_view ${NAME}() { return std::string_view(kBytes, ${size}); }

}  // namespace tabsim
")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
