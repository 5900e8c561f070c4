// The page shown instead of a URL that cannot be loaded (unknown scheme or
// page, malformed query). It keeps the requested URL as its Url() so the
// address bar still shows what the user asked for.
#ifndef TABSIM_TAB_ERROR_PAGE_H_
#define TABSIM_TAB_ERROR_PAGE_H_

#include <string>

#include "tab/page.h"

namespace tabsim {

class ErrorPage final : public Page {
 public:
  ErrorPage(std::string url, std::string reason);

  std::string Url() const override { return url_; }
  std::string Title() const override { return "Error"; }
  void Start(Clock::time_point now, int width, int height) override;
  void OnResize(int width, int height) override;
  bool NeedsFrame(Clock::time_point now) const override;
  std::optional<Clock::time_point> NextWakeup() const override;
  Rect Render(Canvas& canvas, Clock::time_point now) override;

  const std::string& reason() const { return reason_; }

 private:
  std::string url_;
  std::string reason_;
  bool needs_frame_ = true;
};

}  // namespace tabsim

#endif  // TABSIM_TAB_ERROR_PAGE_H_
