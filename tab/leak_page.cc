#include "tab/leak_page.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

namespace tabsim {
namespace {

std::string Mib(uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

}  // namespace

LeakPage::LeakPage(std::string url, PageHost* host)
    : ReportPage(std::move(url), "Leak",
                 "Allocates memory until the tab's limit stops it.",
                 Rgb(120, 40, 140), host) {
  // Growing the vector near the limit could itself fail.
  chunks_.reserve(kUnlimitedCap / kChunkBytes + 1024);
}

LeakPage::~LeakPage() {
  for (void* chunk : chunks_) ::munmap(chunk, kChunkBytes);
}

void LeakPage::Tick(Clock::time_point /*now*/) {
  if (done_ || frames_rendered() == 0) return;
  if (cap_ == 0) {
    rlimit limit{};
    const bool limited = ::getrlimit(RLIMIT_AS, &limit) == 0 &&
                         limit.rlim_cur != RLIM_INFINITY;
    cap_ = limited ? ~uint64_t{0} : kUnlimitedCap;
    Report(limited ? "address-space limit " + Mib(limit.rlim_cur) +
                         ": allocating until it is reached"
                   : "no address-space limit: stopping at " + Mib(kUnlimitedCap));
  }
  const long page = ::sysconf(_SC_PAGESIZE);
  for (int i = 0; i < kChunksPerTick; ++i) {
    if (leaked_bytes() + kChunkBytes > cap_ ||
        chunks_.size() == chunks_.capacity()) {
      done_ = true;
      Report("stopped at the cap after " + Mib(leaked_bytes()) +
             "; idling");
      SetTitle("Leak: capped");
      return;
    }
    void* chunk = ::mmap(nullptr, kChunkBytes, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (chunk == MAP_FAILED) {
      const int error = errno;
      const uint64_t reached = leaked_bytes();
      done_ = true;
      // Give one chunk back so the report (strings, a frame) can allocate.
      if (!chunks_.empty()) {
        ::munmap(chunks_.back(), kChunkBytes);
        chunks_.pop_back();
      }
      Report("allocation failed after " + Mib(reached) + ": " +
             DescribeErrno(error) + "; holding " + Mib(leaked_bytes()) +
             ", idling");
      SetTitle("Leak: limit reached");
      return;
    }
    auto* bytes = static_cast<volatile char*>(chunk);
    for (size_t offset = 0; offset < kChunkBytes; offset += size_t(page))
      bytes[offset] = 1;
    chunks_.push_back(chunk);
  }
}

std::optional<Clock::time_point> LeakPage::NextWakeup() const {
  if (done_) return std::nullopt;
  return Clock::now();
}

}  // namespace tabsim
