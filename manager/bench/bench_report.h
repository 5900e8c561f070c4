// BenchReport: every figure one `tabsim bench` run measured, the floors they
// are compared with, the machine and the settings; printed as a table and
// written as JSON.
//
// A figure that could not be measured is recorded as unavailable with the
// reason, never as a made-up number. Ratios are computed from figures of
// the same run; a ratio whose inputs are missing is itself unavailable.
//
// Ownership: plain values; the report owns copies of everything.
#ifndef TABSIM_MANAGER_BENCH_BENCH_REPORT_H_
#define TABSIM_MANAGER_BENCH_BENCH_REPORT_H_

#include <boost/json/object.hpp>

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace tabsim {

struct BenchFigure {
  std::string scenario;  // "input", "latency", "frames", ...
  std::string key;       // unique in the run, e.g. "input.events_per_s.tabs=1"
  std::string label;     // for the table
  double value = 0;
  std::string unit;      // "msg/s", "us", "GB/s", "ns/event", ...
  std::string floor_key; // the figure this one is compared with, if any
};

struct BenchRatio {
  std::string name;        // "input 1 tab / batched protobuf floor"
  std::string numerator;   // figure keys
  std::string denominator;
  std::optional<double> ratio;  // nullopt: unavailable
  // The target: ratio >= target (higher_is_better) or <= target.
  std::optional<double> target;
  bool higher_is_better = true;
  std::string unavailable_reason;
  bool met() const {
    return ratio && target && (higher_is_better ? *ratio >= *target
                                                : *ratio <= *target);
  }
};

struct BenchUnavailable {
  std::string scenario;
  std::string key;
  std::string reason;
};

// A named curve for the plots: (x, y) points.
struct BenchSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;
};

class BenchReport {
 public:
  void AddFigure(BenchFigure figure);
  void AddUnavailable(std::string scenario, std::string key,
                      std::string reason);
  // Compares two figures already added (or unavailable).
  void AddRatio(std::string name, const std::string& numerator,
                const std::string& denominator, std::optional<double> target,
                bool higher_is_better);
  // A figure against a fixed budget from the issue (e.g. 5 ms): the ratio
  // is value / budget and the target is <= 1.
  void AddBudget(std::string name, const std::string& key, double budget,
                 const std::string& budget_text);
  void AddNote(std::string note) { notes_.push_back(std::move(note)); }
  void SetSetting(const std::string& key, const std::string& value) {
    settings_[key] = value;
  }
  void AddSeries(const std::string& plot, BenchSeries series) {
    series_[plot].push_back(std::move(series));
  }

  const BenchFigure* Find(const std::string& key) const;
  const std::vector<BenchFigure>& figures() const { return figures_; }
  const std::vector<BenchRatio>& ratios() const { return ratios_; }
  const std::vector<BenchUnavailable>& unavailable() const {
    return unavailable_;
  }
  const std::map<std::string, std::vector<BenchSeries>>& series() const {
    return series_;
  }

  void PrintTable(std::FILE* out) const;
  // {"schema": 1, "kind": "bench", "machine", "settings", "scenarios",
  // "ratios", "notes"} (docs/json.md). A value that is not finite is null.
  boost::json::object Json() const;
  // Json() into `path`, atomically (WriteJsonFile).
  Status WriteJson(const std::string& path) const;

 private:
  std::vector<BenchFigure> figures_;
  std::vector<BenchUnavailable> unavailable_;
  std::vector<BenchRatio> ratios_;
  std::vector<std::string> notes_;
  std::map<std::string, std::string> settings_;
  std::map<std::string, std::vector<BenchSeries>> series_;
};

// "AMD EPYC 7B13", from /proc/cpuinfo; "unknown" if absent.
std::string CpuModel();
std::string KernelRelease();

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BENCH_BENCH_REPORT_H_
