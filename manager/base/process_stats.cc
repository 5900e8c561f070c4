#include "manager/base/process_stats.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace tabsim {
namespace {

Result<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return Error::FromErrno("open " + path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

Result<ProcessSample> ParseProcessSample(const std::string& stat,
                                         const std::string& statm) {
  // The command name is in parentheses and may contain anything, including
  // ") ": the fields start after the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos)
    return Error{"/proc stat: no command name", EINVAL};
  std::istringstream fields(stat.substr(close + 1));
  std::vector<std::string> rest;
  for (std::string field; fields >> field;) rest.push_back(field);
  // rest[0] is field 3 (state); utime is field 14, stime 15, threads 20.
  if (rest.size() < 18) return Error{"/proc stat: too few fields", EINVAL};
  static const long kTicks = ::sysconf(_SC_CLK_TCK);
  ProcessSample sample;
  double ticks = std::strtod(rest[11].c_str(), nullptr) +
                 std::strtod(rest[12].c_str(), nullptr);
  sample.cpu_seconds = ticks / double(kTicks > 0 ? kTicks : 100);
  sample.threads = std::atoi(rest[17].c_str());
  std::istringstream pages(statm);
  unsigned long long size = 0, resident = 0;
  if (!(pages >> size >> resident))
    return Error{"/proc statm: unreadable", EINVAL};
  static const long kPage = ::sysconf(_SC_PAGESIZE);
  sample.rss_bytes = resident * uint64_t(kPage > 0 ? kPage : 4096);
  return sample;
}

Result<ProcessSample> ReadProcessSample(pid_t pid) {
  if (pid <= 0) return Error{"no process", ESRCH};
  std::string base = "/proc/" + std::to_string(pid);
  auto stat = ReadSmallFile(base + "/stat");
  if (!stat.ok()) return stat.error();
  auto statm = ReadSmallFile(base + "/statm");
  if (!statm.ok()) return statm.error();
  return ParseProcessSample(*stat, *statm);
}

double CpuMeter::Update(pid_t pid, const ProcessSample& sample,
                        Clock::time_point now) {
  double percent = -1;
  if (pid == pid_) {
    double elapsed = std::chrono::duration<double>(now - time_).count();
    if (elapsed > 0)
      percent = 100.0 * (sample.cpu_seconds - cpu_seconds_) / elapsed;
    if (percent < 0) percent = 0;
  }
  pid_ = pid;
  cpu_seconds_ = sample.cpu_seconds;
  time_ = now;
  return percent;
}

}  // namespace tabsim
