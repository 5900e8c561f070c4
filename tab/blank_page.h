// sim://blank: a white page. The cheapest page there is; it renders only
// when it must (first frame, resize).
#ifndef TABSIM_TAB_BLANK_PAGE_H_
#define TABSIM_TAB_BLANK_PAGE_H_

#include <string>

#include "tab/page.h"

namespace tabsim {

class BlankPage final : public Page {
 public:
  explicit BlankPage(std::string url);

  std::string Url() const override { return url_; }
  std::string Title() const override { return "Blank"; }
  void Start(Clock::time_point now, int width, int height) override;
  void OnResize(int width, int height) override;
  bool NeedsFrame(Clock::time_point now) const override;
  std::optional<Clock::time_point> NextWakeup() const override;
  Rect Render(Canvas& canvas, Clock::time_point now) override;

 private:
  std::string url_;
  bool needs_frame_ = true;
};

}  // namespace tabsim

#endif  // TABSIM_TAB_BLANK_PAGE_H_
