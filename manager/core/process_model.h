// Which process a new tab goes to: Chromium's process models, in small.
//
//   per-tab   every tab its own process (Chromium's --process-per-tab, and
//             tabsim's default): a crash takes one tab.
//   per-site  tabs of the same site share one process (Chromium's
//             --process-per-site): fewer processes, and a crash takes the
//             site's tabs with it.
//   limit:N   at most N tab processes (Chromium's soft renderer process
//             limit, --renderer-process-limit): below the limit a new tab
//             gets its own process; at it, it joins the least loaded
//             process of its site if there is one, else the least loaded
//             process.
//
// A tab's site is its URL's scheme and host: sim://clock?x and sim://clock?y
// are one site, sim://clock and sim://bounce two. A tab keeps its process
// when it navigates to another site (Chromium would swap processes on a
// cross-site navigation; tabsim does not).
#ifndef TABSIM_MANAGER_CORE_PROCESS_MODEL_H_
#define TABSIM_MANAGER_CORE_PROCESS_MODEL_H_

#include <cstddef>
#include <string>
#include <vector>

#include "common/result.h"

namespace tabsim {

struct ProcessModel {
  enum class Kind { kPerTab, kPerSite, kLimit };
  Kind kind = Kind::kPerTab;
  int limit = 0;  // kLimit only: >= 1

  // "per-tab", "per-site", "limit:4"; an error naming the accepted forms.
  static Result<ProcessModel> Parse(const std::string& text);
  std::string ToString() const;
  bool shares() const { return kind != Kind::kPerTab; }
};

inline constexpr int kMaxProcessLimit = 4096;

// How many tab processes tabs opened at `urls` (in that order, none
// closed) end up in under `model`, when a process holds at most
// `max_views` tabs (kMaxViewsPerProcess): per-tab one each; per-site one
// per site and each further `max_views`; limit:N at most N, unless N
// processes cannot hold them all. What the capacity check counts fds and
// processes by (tab_capacity.h).
long ProcessesFor(const ProcessModel& model, const std::vector<std::string>& urls,
                  size_t max_views);

// "sim://clock?x" -> "sim://clock"; "https://a.example/x" ->
// "https://a.example"; "about:blank" -> "about:blank".
std::string SiteOf(const std::string& url);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_PROCESS_MODEL_H_
