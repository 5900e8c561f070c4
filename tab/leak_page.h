// sim://leak: a hostile test page that allocates memory until it cannot.
//
// After its first frame it maps anonymous memory in kChunkBytes chunks,
// kChunksPerTick per Tick() (so it keeps answering pings), writing one
// byte per page so the memory is really committed. It stops when mmap()
// fails (under the sandbox: RLIMIT_AS, --memory-limit) or, when the
// process has no address-space limit (--no-sandbox, --memory-limit 0, a
// sanitizer build), at kUnlimitedCap so that it never eats the machine.
// Then it gives the last chunk back (headroom for its report), reports
// "allocation failed after N MiB: ENOMEM ..." or "stopped at the cap" and
// idles, holding the rest. It does not crash: the outcome is deterministic.
#ifndef TABSIM_TAB_LEAK_PAGE_H_
#define TABSIM_TAB_LEAK_PAGE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tab/report_page.h"

namespace tabsim {

class LeakPage final : public ReportPage {
 public:
  static constexpr size_t kChunkBytes = size_t{16} << 20;
  static constexpr int kChunksPerTick = 4;
  static constexpr uint64_t kUnlimitedCap = uint64_t{256} << 20;

  LeakPage(std::string url, PageHost* host);
  ~LeakPage() override;

  void Tick(Clock::time_point now) override;
  std::optional<Clock::time_point> NextWakeup() const override;

  uint64_t leaked_bytes() const { return chunks_.size() * kChunkBytes; }
  bool done() const { return done_; }

 private:
  std::vector<void*> chunks_;
  uint64_t cap_ = 0;  // 0 until the first Tick()
  bool done_ = false;
};

}  // namespace tabsim

#endif  // TABSIM_TAB_LEAK_PAGE_H_
