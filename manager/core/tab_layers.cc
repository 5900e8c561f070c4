#include "manager/core/tab_layers.h"

#include <sys/resource.h>

#include <cerrno>
#include <fstream>
#include <map>
#include <sstream>

namespace tabsim {
namespace {

// The "Name:\tvalue" lines of /proc/PID/status.
Result<std::map<std::string, std::string>> ReadStatus(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/status";
  std::ifstream in(path);
  if (!in) return Error::FromErrno("open " + path);
  std::map<std::string, std::string> fields;
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    size_t value = line.find_first_not_of(" \t", colon + 1);
    fields[line.substr(0, colon)] =
        value == std::string::npos ? "" : line.substr(value);
  }
  if (fields.empty()) return Error{"read " + path + ": empty", ESRCH};
  return fields;
}

// Soft limits from /proc/PID/limits: "Max open files  1024  4096  files".
// "unlimited" is UINT64_MAX.
Result<std::map<std::string, uint64_t>> ReadSoftLimits(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/limits";
  std::ifstream in(path);
  if (!in) return Error::FromErrno("open " + path);
  std::map<std::string, uint64_t> limits;
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    if (line.size() < 26) continue;
    std::string name = line.substr(0, 25);
    name.erase(name.find_last_not_of(' ') + 1);
    std::istringstream rest(line.substr(25));
    std::string soft;
    rest >> soft;
    if (soft == "unlimited") {
      limits[name] = UINT64_MAX;
    } else if (!soft.empty() && soft.find_first_not_of("0123456789") ==
                                    std::string::npos) {
      limits[name] = std::stoull(soft);  // digits only: cannot throw but
                                         // for overflow, which /proc avoids
    }
  }
  return limits;
}

uint64_t OwnSoftLimit(int resource) {
  rlimit limit{};
  if (::getrlimit(resource, &limit) != 0) return UINT64_MAX;
  return limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : uint64_t(limit.rlim_cur);
}

int ToInt(const std::string& text) {
  try {
    return std::stoi(text);
  } catch (const std::exception&) {
    return 0;
  }
}

uint64_t HexMask(const std::string& text) {
  try {
    return std::stoull(text, nullptr, 16);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

std::string TabLayers::Summary() const {
  std::string text;
  auto add = [&](const char* layer) {
    if (!text.empty()) text += ", ";
    text += layer;
  };
  if (namespaces) add("userns+pidns+netns+ipcns");
  if (group_fallback) add("pgroup+subreaper");
  if (seccomp()) add("seccomp");
  if (rlimits) add("rlimits");
  return text.empty() ? "none" : text;
}

Status ReadTabLayers(pid_t pid, TabLayers* layers) {
  auto status = ReadStatus(pid);
  if (!status.ok()) return status.error();
  auto limits = ReadSoftLimits(pid);
  if (!limits.ok()) return limits.error();
  std::map<std::string, std::string>& fields = *status;
  layers->read = true;
  layers->seccomp_mode = ToInt(fields["Seccomp"]);
  layers->seccomp_filters = ToInt(fields["Seccomp_filters"]);
  layers->no_new_privs = ToInt(fields["NoNewPrivs"]) != 0;
  layers->no_capabilities =
      fields.count("CapEff") != 0 && HexMask(fields["CapEff"]) == 0;
  std::map<std::string, uint64_t>& soft = *limits;
  auto lower = [&](const char* name, int resource) {
    auto it = soft.find(name);
    return it != soft.end() && it->second < OwnSoftLimit(resource);
  };
  layers->rlimits = lower("Max address space", RLIMIT_AS) ||
                    lower("Max open files", RLIMIT_NOFILE) ||
                    lower("Max core file size", RLIMIT_CORE);
  return Status::Ok();
}

}  // namespace tabsim
