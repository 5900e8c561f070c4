#include "manager/core/tab_executable.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

// Paths from the directory of tabsim to tabsim-tab, given by the top-level
// CMakeLists.txt (its install section) from the layouts it knows.
#ifndef TABSIM_TAB_FROM_INSTALLED_BIN
#error "TABSIM_TAB_FROM_INSTALLED_BIN must be defined (see CMakeLists.txt)"
#endif

#include "manager/base/cli.h"

namespace tabsim {
namespace {

// Ok when `path` is an executable regular file; else why not, without the
// path ("No such file or directory", "not an executable file").
Status CheckExecutable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Error{std::strerror(errno), errno};
  if (!S_ISREG(st.st_mode) || ::access(path.c_str(), X_OK) != 0)
    return Error{"not an executable file", EACCES};
  return Status::Ok();
}

struct Candidate {
  std::string path;
  const char* layout;  // for the error: "install layout", ...
};

// The layouts searched after the explicit choices, in order.
std::vector<Candidate> Candidates(const std::string& self_path) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(self_path).parent_path();
  std::vector<Candidate> candidates;
  auto add = [&](const fs::path& relative, const char* layout) {
    std::string path = (dir / relative).lexically_normal().string();
    candidates.push_back({path, layout});
  };
  add(TABSIM_TAB_FROM_INSTALLED_BIN, "install layout");
  // The build tree puts both programs at the top of the build folder.
  add("tabsim-tab", "next to tabsim");
  return candidates;
}

}  // namespace

Result<std::string> FindTabExecutable(const TabExecutableSources& sources) {
  if (!sources.explicit_path.empty()) {
    Status status = CheckExecutable(sources.explicit_path);
    if (!status.ok())
      return Error{"tab executable " + sources.explicit_path + ": " +
                       status.error().message,
                   status.error().error_number};
    return sources.explicit_path;
  }
  if (!sources.environment.empty()) {
    Status status = CheckExecutable(sources.environment);
    if (!status.ok())
      return Error{"TABSIM_TAB_EXE=" + sources.environment + ": " +
                       status.error().message,
                   status.error().error_number};
    return sources.environment;
  }
  std::string looked;
  for (const auto& [path, layout] : Candidates(sources.self_path)) {
    Status status = CheckExecutable(path);
    if (status.ok()) return path;
    // "missing" for the usual case; the reason when something is there.
    std::string why = status.error().error_number == ENOENT
                          ? "missing"
                          : status.error().message;
    looked += (looked.empty() ? "" : ", ") + path + " (" + layout + ": " + why + ")";
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

Result<std::string> FindInitExecutable() {
  if (const char* env = std::getenv("TABSIM_INIT_EXE"); env && *env) {
    Status status = CheckExecutable(env);
    if (!status.ok())
      return Error{std::string("TABSIM_INIT_EXE=") + env + ": " +
                       status.error().message,
                   status.error().error_number};
    return std::string(env);
  }
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n < 0) return Error::FromErrno("readlink /proc/self/exe (to find tabsim-init)");
  namespace fs = std::filesystem;
  std::string looked;
  for (const Candidate& tab : Candidates(std::string(self, static_cast<size_t>(n)))) {
    std::string path = (fs::path(tab.path).parent_path() / "tabsim-init").string();
    if (CheckExecutable(path).ok()) return path;
    looked += (looked.empty() ? "" : ", ") + path;
  }
  return Error{"no tabsim-init: looked for " + looked, ENOENT};
}

void AddTabExecutableOption(CommandLine& cli, std::string* explicit_path) {
  cli.AddText({.name = "--tab-exe",
               .value_name = "PATH",
               .help = "the tab program",
               .default_text = "$TABSIM_TAB_EXE, else the installed "
                               "libexec/tabsim/tabsim-tab, else tabsim-tab "
                               "next to tabsim"},
              explicit_path, "path");
}

}  // namespace tabsim
