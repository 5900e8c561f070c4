#include "manager/bench/bench_report.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "common/check.h"
#include "manager/base/json.h"

namespace tabsim {
namespace {

// Six significant digits, as measured figures deserve (the shortest
// round-trip form of a computed double often has seventeen); null when not
// finite.
boost::json::value Figure(double value) {
  if (!std::isfinite(value)) return nullptr;
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.6g", value);
  return JsonNumber(std::strtod(buffer, nullptr));
}

// Three significant digits, SI-ish suffix for large rates.
std::string Human(double value) {
  char buffer[64];
  double magnitude = std::fabs(value);
  if (magnitude >= 1e9)
    std::snprintf(buffer, sizeof(buffer), "%.3g G", value / 1e9);
  else if (magnitude >= 1e6)
    std::snprintf(buffer, sizeof(buffer), "%.3g M", value / 1e6);
  else if (magnitude >= 1e4)
    std::snprintf(buffer, sizeof(buffer), "%.3g k", value / 1e3);
  else
    std::snprintf(buffer, sizeof(buffer), "%.3g", value);
  return buffer;
}

}  // namespace

void BenchReport::AddFigure(BenchFigure figure) {
  TABSIM_CHECK(Find(figure.key) == nullptr) << "duplicate figure "
                                            << figure.key;
  figures_.push_back(std::move(figure));
}

void BenchReport::AddUnavailable(std::string scenario, std::string key,
                                 std::string reason) {
  unavailable_.push_back(
      {std::move(scenario), std::move(key), std::move(reason)});
}

void BenchReport::AddRatio(std::string name, const std::string& numerator,
                           const std::string& denominator,
                           std::optional<double> target,
                           bool higher_is_better) {
  BenchRatio ratio;
  ratio.name = std::move(name);
  ratio.numerator = numerator;
  ratio.denominator = denominator;
  ratio.target = target;
  ratio.higher_is_better = higher_is_better;
  const BenchFigure* top = Find(numerator);
  const BenchFigure* bottom = Find(denominator);
  if (top && bottom && bottom->value > 0 && std::isfinite(top->value)) {
    ratio.ratio = top->value / bottom->value;
  } else {
    std::string missing = !top ? numerator : denominator;
    ratio.unavailable_reason = missing + " unavailable";
    for (const BenchUnavailable& u : unavailable_)
      if (u.key == missing) ratio.unavailable_reason += ": " + u.reason;
  }
  ratios_.push_back(std::move(ratio));
}

void BenchReport::AddBudget(std::string name, const std::string& key,
                            double budget, const std::string& budget_text) {
  BenchRatio ratio;
  ratio.name = std::move(name);
  ratio.numerator = key;
  ratio.denominator = budget_text;
  ratio.target = 1.0;
  ratio.higher_is_better = false;
  if (const BenchFigure* figure = Find(key); figure && budget > 0)
    ratio.ratio = figure->value / budget;
  else
    ratio.unavailable_reason = key + " unavailable";
  ratios_.push_back(std::move(ratio));
}

const BenchFigure* BenchReport::Find(const std::string& key) const {
  for (const BenchFigure& figure : figures_)
    if (figure.key == key) return &figure;
  return nullptr;
}

void BenchReport::PrintTable(std::FILE* out) const {
  std::string scenario;
  for (const BenchFigure& figure : figures_) {
    if (figure.scenario != scenario) {
      scenario = figure.scenario;
      std::fprintf(out, "\n== %s\n", scenario.c_str());
    }
    std::string floor_text;
    if (!figure.floor_key.empty()) {
      const BenchFigure* floor = Find(figure.floor_key);
      if (floor && floor->value > 0) {
        char buffer[160];
        std::snprintf(buffer, sizeof(buffer), "  %5.2fx  of %s",
                      figure.value / floor->value, floor->label.c_str());
        floor_text = buffer;
      }
    }
    std::fprintf(out, "  %-46s %10s %-9s%s\n", figure.label.c_str(),
                 Human(figure.value).c_str(), figure.unit.c_str(),
                 floor_text.c_str());
  }
  for (const BenchUnavailable& u : unavailable_)
    std::fprintf(out, "  %-46s unavailable: %s\n", u.key.c_str(),
                 u.reason.c_str());
  std::fprintf(out, "\n== targets (ratios within this run)\n");
  for (const BenchRatio& r : ratios_) {
    if (!r.ratio) {
      std::fprintf(out, "  %-52s unavailable (%s)\n", r.name.c_str(),
                   r.unavailable_reason.c_str());
      continue;
    }
    std::string target;
    if (r.target) {
      char buffer[64];
      std::snprintf(buffer, sizeof(buffer), "target %s %.2f  %s",
                    r.higher_is_better ? ">=" : "<=", *r.target,
                    r.met() ? "met" : "MISSED");
      target = buffer;
    }
    std::fprintf(out, "  %-52s %8.3f  %s\n", r.name.c_str(), *r.ratio,
                 target.c_str());
  }
  for (const std::string& note : notes_)
    std::fprintf(out, "  note: %s\n", note.c_str());
}

boost::json::object BenchReport::Json() const {
  namespace json = boost::json;
  json::object document = JsonDocument("bench");
  document["machine"] = json::object{
      {"cores", ::sysconf(_SC_NPROCESSORS_ONLN)},
      {"cpu_model", CpuModel()},
      {"kernel", KernelRelease()},
  };
  json::object settings;
  for (const auto& [key, value] : settings_) settings[key] = value;
  document["settings"] = std::move(settings);
  // Scenarios in first-appearance order, each with its figures and what
  // could not be measured.
  json::object scenarios;
  const auto scenario = [&](const std::string& name) -> json::object& {
    json::value& entry = scenarios[name];
    if (entry.is_null())
      entry = json::object{{"figures", json::array()},
                           {"unavailable", json::array()}};
    return entry.as_object();
  };
  for (const BenchFigure& f : figures_) {
    json::object figure{{"key", f.key},
                        {"label", f.label},
                        {"value", Figure(f.value)},
                        {"unit", f.unit}};
    if (!f.floor_key.empty()) {
      figure["floor"] = f.floor_key;
      const BenchFigure* floor = Find(f.floor_key);
      if (floor && floor->value > 0)
        figure["ratio_to_floor"] = Figure(f.value / floor->value);
    }
    scenario(f.scenario)["figures"].as_array().push_back(std::move(figure));
  }
  for (const BenchUnavailable& u : unavailable_)
    scenario(u.scenario)["unavailable"].as_array().push_back(
        json::object{{"key", u.key}, {"reason", u.reason}});
  document["scenarios"] = std::move(scenarios);
  json::array ratios;
  for (const BenchRatio& r : ratios_) {
    json::object ratio{{"name", r.name},
                       {"numerator", r.numerator},
                       {"denominator", r.denominator}};
    ratio["ratio"] = r.ratio ? Figure(*r.ratio) : json::value(nullptr);
    if (!r.ratio) ratio["unavailable"] = r.unavailable_reason;
    if (r.target) {
      ratio["target"] = Figure(*r.target);
      ratio["higher_is_better"] = r.higher_is_better;
      ratio["met"] = r.met();
    }
    ratios.push_back(std::move(ratio));
  }
  document["ratios"] = std::move(ratios);
  json::array notes;
  for (const std::string& note : notes_) notes.push_back(json::string(note));
  document["notes"] = std::move(notes);
  return document;
}

Status BenchReport::WriteJson(const std::string& path) const {
  return WriteJsonFile(path, Json());
}

std::string CpuModel() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        size_t start = line.find_first_not_of(' ', colon + 1);
        if (start != std::string::npos) return line.substr(start);
      }
    }
  }
  return "unknown";
}

std::string KernelRelease() {
  utsname name{};
  if (::uname(&name) != 0) return "unknown";
  return std::string(name.sysname) + " " + name.release + " " + name.machine;
}

}  // namespace tabsim
