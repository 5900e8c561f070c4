// `tabsim replay --json FILE`: the per-tab figures of a replay as a JSON
// document (kind "replay", docs/json.md). Free functions on the
// replayer's results; no state.
#ifndef TABSIM_MANAGER_RECORD_REPLAY_REPORT_H_
#define TABSIM_MANAGER_RECORD_REPLAY_REPORT_H_

#include <boost/json/object.hpp>

#include <string>
#include <vector>

#include "common/result.h"
#include "manager/record/replayer.h"

namespace tabsim {

// {"schema": 1, "kind": "replay", "dir", "speed", "passed", "tabs": [...]}:
// one entry per replayed tab process, in `results`' order. Frame hashes
// are decimal strings (64 bits do not fit a JSON reader's doubles).
boost::json::object ReplayReportJson(const std::string& dir, double speed,
                                     const std::vector<TabReplayResult>& results,
                                     bool passed);
// ReplayReportJson into `path`, atomically (WriteJsonFile).
Status WriteReplayReport(const std::string& path, const std::string& dir,
                         double speed,
                         const std::vector<TabReplayResult>& results,
                         bool passed);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_RECORD_REPLAY_REPORT_H_
