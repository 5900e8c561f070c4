// The web dashboard's page: manager/web/dashboard.html (HTML, CSS and the
// script in one file), compiled into the binary by
// manager/web/embed_asset.cmake (see CMakeLists.txt), so `tabsim` needs no
// files at run time. Edit the .html; the build regenerates the bytes.
#ifndef TABSIM_MANAGER_WEB_WEB_ASSETS_H_
#define TABSIM_MANAGER_WEB_WEB_ASSETS_H_

#include <string_view>

namespace tabsim {

// The page, valid for the program's whole life.
std::string_view DashboardHtml();

}  // namespace tabsim

#endif  // TABSIM_MANAGER_WEB_WEB_ASSETS_H_
