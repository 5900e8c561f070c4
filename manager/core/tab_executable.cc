#include "manager/core/tab_executable.h"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

// Paths from the directory of tabsim to tabsim-tab, given by the top-level
// CMakeLists.txt (its install section) from the layouts it knows.
#ifndef TABSIM_TAB_FROM_INSTALLED_BIN
#error "TABSIM_TAB_FROM_INSTALLED_BIN must be defined (see CMakeLists.txt)"
#endif
#ifndef TABSIM_TAB_FROM_BUILT_BIN
#error "TABSIM_TAB_FROM_BUILT_BIN must be defined (see CMakeLists.txt)"
#endif

namespace tabsim {
namespace {

// Empty when `path` is an executable regular file; else why not ("No such
// file or directory", "not an executable file").
std::string WhyNotExecutable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::strerror(errno);
  if (!S_ISREG(st.st_mode) || ::access(path.c_str(), X_OK) != 0)
    return "not an executable file";
  return "";
}

// The layouts searched after the explicit choices: (path, what it is).
std::vector<std::pair<std::string, std::string>> Candidates(
    const std::string& self_path) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(self_path).parent_path();
  std::vector<std::pair<std::string, std::string>> candidates;
  auto add = [&](const fs::path& relative, const char* what) {
    std::string path = (dir / relative).lexically_normal().string();
    for (const auto& candidate : candidates)
      if (candidate.first == path) return;  // one layout can be another's
    candidates.emplace_back(path, what);
  };
  add(TABSIM_TAB_FROM_INSTALLED_BIN, "install layout");
  add(TABSIM_TAB_FROM_BUILT_BIN, "build tree");
  add("tabsim-tab", "next to tabsim");
  return candidates;
}

}  // namespace

Result<std::string> FindTabExecutable(const TabExecutableSources& sources) {
  if (!sources.explicit_path.empty()) {
    std::string why = WhyNotExecutable(sources.explicit_path);
    if (!why.empty())
      return Error{"tab executable " + sources.explicit_path + ": " + why, EINVAL};
    return sources.explicit_path;
  }
  if (!sources.environment.empty()) {
    std::string why = WhyNotExecutable(sources.environment);
    if (!why.empty())
      return Error{"TABSIM_TAB_EXE=" + sources.environment + ": " + why, EINVAL};
    return sources.environment;
  }
  std::string looked;
  for (const auto& [path, what] : Candidates(sources.self_path)) {
    std::string why = WhyNotExecutable(path);
    if (why.empty()) return path;
    // "missing" for the usual case; the reason when something is there.
    if (why == std::strerror(ENOENT)) why = "missing";
    looked += (looked.empty() ? "" : ", ") + path + " (" + what + ": " + why + ")";
  }
  return Error{"no tab program: looked for " + looked +
                   "; TABSIM_TAB_EXE is not set",
               ENOENT};
}

Result<std::string> FindTabExecutable(const std::string& explicit_path) {
  TabExecutableSources sources;
  sources.explicit_path = explicit_path;
  if (const char* env = std::getenv("TABSIM_TAB_EXE"); env != nullptr)
    sources.environment = env;
  if (sources.explicit_path.empty() && sources.environment.empty()) {
    // The kernel's answer, with symlinks resolved: a /usr/bin/tabsim that
    // links to /opt/tabsim/bin/tabsim finds /opt/tabsim/libexec.
    char self[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n < 0)
      return Error::FromErrno("readlink /proc/self/exe (to find tabsim-tab)");
    sources.self_path.assign(self, static_cast<size_t>(n));
  }
  return FindTabExecutable(sources);
}

}  // namespace tabsim
