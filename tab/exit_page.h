// sim://abort[?after=MS] and sim://exit[?code=N][&after=MS]: hostile test
// pages that end the tab process on purpose. Like sim://crash, each renders
// one frame; the first Tick() after that frame and at least `after`
// (default 0) past Start() calls abort() (SIGABRT; the sandbox keeps no
// core file) or exit(code), code 0..255 (default 0).
// Never run one in a process you care about.
#ifndef TABSIM_TAB_EXIT_PAGE_H_
#define TABSIM_TAB_EXIT_PAGE_H_

#include <chrono>
#include <string>

#include "tab/page.h"

namespace tabsim {

class ExitPage final : public Page {
 public:
  enum class Mode { kAbort, kExit };

  ExitPage(std::string url, Mode mode, int exit_code,
           std::chrono::milliseconds after);

  std::string Url() const override { return url_; }
  std::string Title() const override;
  void Start(Clock::time_point now, int width, int height) override;
  void OnResize(int width, int height) override;
  void Tick(Clock::time_point now) override;
  bool NeedsFrame(Clock::time_point now) const override;
  std::optional<Clock::time_point> NextWakeup() const override;
  Rect Render(Canvas& canvas, Clock::time_point now) override;

  Mode mode() const { return mode_; }
  int exit_code() const { return exit_code_; }
  std::chrono::milliseconds after() const { return after_; }

 private:
  std::string url_;
  Mode mode_;
  int exit_code_;
  std::chrono::milliseconds after_;
  Clock::time_point start_{};
  bool rendered_ = false;
  bool needs_frame_ = true;
};

}  // namespace tabsim

#endif  // TABSIM_TAB_EXIT_PAGE_H_
