#include "manager/core/process_priority.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <numeric>

#include "common/unique_fd.h"

namespace tabsim {

const char* ToString(Importance importance) {
  switch (importance) {
    case Importance::kFocused: return "focused";
    case Importance::kVisible: return "visible";
    case Importance::kBackground: return "background";
    case Importance::kSpare: return "spare";
  }
  return "?";
}

std::vector<ProcessPriority> RankProcesses(
    const std::vector<ProcessStanding>& standings) {
  std::vector<ProcessPriority> priorities(standings.size());
  std::vector<size_t> background;
  for (size_t i = 0; i < standings.size(); ++i) {
    const ProcessStanding& s = standings[i];
    ProcessPriority& p = priorities[i];
    if (s.focused) {
      p = {Importance::kFocused, kForegroundNice, kLowestOomScore};
    } else if (s.visible) {
      p = {Importance::kVisible, kForegroundNice, kVisibleOomScore};
    } else if (s.spare) {
      p = {Importance::kSpare, kBackgroundNice, kHighestOomScore};
    } else {
      background.push_back(i);
    }
  }
  // Most recently shown first: it gets the lowest score of the band.
  std::stable_sort(background.begin(), background.end(), [&](size_t a, size_t b) {
    return standings[a].last_visible > standings[b].last_visible;
  });
  const int band_low = kVisibleOomScore + 100;
  const int band = kHighestOomScore - band_low;
  for (size_t rank = 0; rank < background.size(); ++rank) {
    const int score =
        background.size() == 1
            ? kHighestOomScore
            : band_low + int(band * double(rank + 1) / double(background.size()));
    priorities[background[rank]] = {Importance::kBackground, kBackgroundNice,
                                    std::min(score, kHighestOomScore)};
  }
  return priorities;
}

bool CanReraisePriority() {
  if (::geteuid() == 0) return true;
  rlimit limit{};
  // RLIMIT_NICE n allows nice values down to 20 - n.
  if (::getrlimit(RLIMIT_NICE, &limit) == 0 &&
      (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= 20))
    return true;
  // CAP_SYS_NICE (bit 23) among the effective capabilities.
  FILE* status = std::fopen("/proc/self/status", "re");
  if (status == nullptr) return false;
  char line[256];
  unsigned long long effective = 0;
  while (std::fgets(line, sizeof(line), status))
    if (std::sscanf(line, "CapEff: %llx", &effective) == 1) break;
  std::fclose(status);
  constexpr int kCapSysNice = 23;
  return (effective >> kCapSysNice) & 1;
}

Status SetNice(pid_t pid, int nice) {
  if (::setpriority(PRIO_PROCESS, id_t(pid), nice) != 0)
    return Error::FromErrno("setpriority pid " + std::to_string(pid) + " nice " +
                            std::to_string(nice));
  return Status::Ok();
}

Status SetOomScoreAdj(pid_t pid, int score) {
  const std::string path = "/proc/" + std::to_string(pid) + "/oom_score_adj";
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.IsValid()) return Error::FromErrno("open " + path);
  const std::string text = std::to_string(score);
  if (::write(fd.get(), text.data(), text.size()) != ssize_t(text.size()))
    return Error::FromErrno("write " + path);
  return Status::Ok();
}

Result<int> ReadNice(pid_t pid) {
  errno = 0;
  const int nice = ::getpriority(PRIO_PROCESS, id_t(pid));
  if (nice == -1 && errno != 0)
    return Error::FromErrno("getpriority pid " + std::to_string(pid));
  return nice;
}

Result<int> ReadOomScoreAdj(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/oom_score_adj";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.IsValid()) return Error::FromErrno("open " + path);
  char text[16] = {};
  const ssize_t got = ::read(fd.get(), text, sizeof(text) - 1);
  if (got <= 0) return Error::FromErrno("read " + path);
  return std::atoi(text);
}

}  // namespace tabsim
