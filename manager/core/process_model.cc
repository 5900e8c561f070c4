#include "manager/core/process_model.h"

#include <algorithm>
#include <cerrno>
#include <map>

#include "manager/base/units.h"

namespace tabsim {

Result<ProcessModel> ProcessModel::Parse(const std::string& text) {
  ProcessModel model;
  if (text == "per-tab") return model;
  if (text == "per-site") {
    model.kind = Kind::kPerSite;
    return model;
  }
  if (text.rfind("limit:", 0) == 0) {
    auto limit = ParseInteger("limit", text.substr(6), 1, kMaxProcessLimit);
    if (!limit.ok()) return limit.error();
    model.kind = Kind::kLimit;
    model.limit = int(*limit);
    return model;
  }
  return Error{"'" + text + "' is not a process model (per-tab, per-site or "
                   "limit:N with N from 1 to " +
                   std::to_string(kMaxProcessLimit) + ")",
               EINVAL};
}

std::string ProcessModel::ToString() const {
  switch (kind) {
    case Kind::kPerTab: return "per-tab";
    case Kind::kPerSite: return "per-site";
    case Kind::kLimit: return "limit:" + std::to_string(limit);
  }
  return "?";
}

long ProcessesFor(const ProcessModel& model, const std::vector<std::string>& urls,
                  size_t max_views) {
  const long tabs = long(urls.size());
  const long views = long(std::max<size_t>(1, max_views));
  auto at_least = [views](long count) { return (count + views - 1) / views; };
  switch (model.kind) {
    case ProcessModel::Kind::kPerTab:
      return tabs;
    case ProcessModel::Kind::kPerSite: {
      std::map<std::string, long> per_site;
      for (const std::string& url : urls) ++per_site[SiteOf(url)];
      long processes = 0;
      for (const auto& [site, count] : per_site) processes += at_least(count);
      return processes;
    }
    case ProcessModel::Kind::kLimit:
      return std::max(std::min(tabs, long(model.limit)), at_least(tabs));
  }
  return tabs;
}

std::string SiteOf(const std::string& url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;  // about:blank
  const size_t host_start = scheme_end + 3;
  const size_t host_end = url.find_first_of("/?#", host_start);
  return url.substr(0, host_end);
}

}  // namespace tabsim
