#include "manager/bench/bench_report.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "common/check.h"

namespace tabsim {
namespace {

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.6g", value);
  return buffer;
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

Status BenchReport::WriteJson(const std::string& path) const {
  std::ostringstream json;
  json << "{\n  \"machine\": {\"cores\": " << ::sysconf(_SC_NPROCESSORS_ONLN)
       << ", \"cpu_model\": " << JsonString(CpuModel())
       << ", \"kernel\": " << JsonString(KernelRelease()) << "},\n";
  json << "  \"settings\": {";
  bool first = true;
  for (const auto& [key, value] : settings_) {
    json << (first ? "" : ", ") << JsonString(key) << ": "
         << JsonString(value);
    first = false;
  }
  json << "},\n  \"scenarios\": {";
  // Scenarios in first-appearance order, each a list of figures.
  std::vector<std::string> order;
  for (const BenchFigure& f : figures_)
    if (std::find(order.begin(), order.end(), f.scenario) == order.end())
      order.push_back(f.scenario);
  for (const BenchUnavailable& u : unavailable_)
    if (std::find(order.begin(), order.end(), u.scenario) == order.end())
      order.push_back(u.scenario);
  for (size_t s = 0; s < order.size(); ++s) {
    json << (s ? ",\n" : "\n") << "    " << JsonString(order[s])
         << ": {\"figures\": [";
    bool first_figure = true;
    for (const BenchFigure& f : figures_) {
      if (f.scenario != order[s]) continue;
      json << (first_figure ? "\n" : ",\n") << "      {\"key\": "
           << JsonString(f.key) << ", \"label\": " << JsonString(f.label)
           << ", \"value\": " << JsonNumber(f.value)
           << ", \"unit\": " << JsonString(f.unit);
      if (!f.floor_key.empty()) {
        const BenchFigure* floor = Find(f.floor_key);
        json << ", \"floor\": " << JsonString(f.floor_key);
        if (floor && floor->value > 0)
          json << ", \"ratio_to_floor\": "
               << JsonNumber(f.value / floor->value);
      }
      json << "}";
      first_figure = false;
    }
    json << "], \"unavailable\": [";
    bool first_unavailable = true;
    for (const BenchUnavailable& u : unavailable_) {
      if (u.scenario != order[s]) continue;
      json << (first_unavailable ? "" : ", ") << "{\"key\": "
           << JsonString(u.key) << ", \"reason\": " << JsonString(u.reason)
           << "}";
      first_unavailable = false;
    }
    json << "]}";
  }
  json << "\n  },\n  \"ratios\": [";
  for (size_t i = 0; i < ratios_.size(); ++i) {
    const BenchRatio& r = ratios_[i];
    json << (i ? ",\n" : "\n") << "    {\"name\": " << JsonString(r.name)
         << ", \"numerator\": " << JsonString(r.numerator)
         << ", \"denominator\": " << JsonString(r.denominator);
    if (r.ratio) {
      json << ", \"ratio\": " << JsonNumber(*r.ratio);
    } else {
      json << ", \"ratio\": null, \"unavailable\": "
           << JsonString(r.unavailable_reason);
    }
    if (r.target) {
      json << ", \"target\": " << JsonNumber(*r.target)
           << ", \"higher_is_better\": "
           << (r.higher_is_better ? "true" : "false")
           << ", \"met\": " << (r.met() ? "true" : "false");
    }
    json << "}";
  }
  json << "\n  ],\n  \"notes\": [";
  for (size_t i = 0; i < notes_.size(); ++i)
    json << (i ? ", " : "") << JsonString(notes_[i]);
  json << "]\n}\n";

  std::ofstream file(path, std::ios::trunc);
  if (!file) return Error::FromErrno("open " + path);
  file << json.str();
  file.close();
  if (!file) return Error::FromErrno("write " + path);
  return Status::Ok();
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
