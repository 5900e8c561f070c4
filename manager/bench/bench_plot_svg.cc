#include "manager/bench/bench_plot_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace tabsim {
namespace {

constexpr int kPanelWidth = 480;
constexpr int kPanelHeight = 340;
constexpr int kMarginLeft = 80;
constexpr int kMarginRight = 20;
constexpr int kMarginTop = 40;
constexpr int kMarginBottom = 50;
const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};

// The tabs panels' colours: the first series its panel's own, the next
// ones (the input scenario's deep point) the same in both panels.
const char* SeriesColor(const char* first, int index) {
  return index == 0 ? first : kColors[2 + (index - 1) % 2];
}

std::string Fmt(double value) {
  char buffer[32];
  double magnitude = std::fabs(value);
  if (magnitude >= 1e6)
    std::snprintf(buffer, sizeof(buffer), "%.3gM", value / 1e6);
  else if (magnitude >= 1e3)
    std::snprintf(buffer, sizeof(buffer), "%.3gk", value / 1e3);
  else
    std::snprintf(buffer, sizeof(buffer), "%.3g", value);
  return buffer;
}

// One panel with a log x axis and a linear y axis starting at 0.
class Panel {
 public:
  Panel(std::ostringstream& svg, int left, double x_min, double x_max,
        double y_max)
      : svg_(svg), left_(left),
        lx_min_(std::log10(x_min)), lx_max_(std::log10(x_max)),
        y_max_(y_max) {
    if (lx_max_ - lx_min_ < 1e-9) lx_max_ = lx_min_ + 1;
  }
  double X(double x) const {
    double width = kPanelWidth - kMarginLeft - kMarginRight;
    return left_ + kMarginLeft +
           (std::log10(x) - lx_min_) / (lx_max_ - lx_min_) * width;
  }
  double Y(double y) const {
    double height = kPanelHeight - kMarginTop - kMarginBottom;
    return kMarginTop + height - y / y_max_ * height;
  }
  void Axes(const std::string& title, const std::string& x_label,
            const std::string& y_label, bool y_as_percent) {
    double x0 = left_ + kMarginLeft, x1 = left_ + kPanelWidth - kMarginRight;
    double y0 = kMarginTop, y1 = kPanelHeight - kMarginBottom;
    svg_ << "<text x='" << (x0 + x1) / 2 << "' y='22' font-size='15' "
         << "text-anchor='middle' font-weight='bold'>" << title << "</text>\n";
    svg_ << "<rect x='" << x0 << "' y='" << y0 << "' width='" << x1 - x0
         << "' height='" << y1 - y0 << "' fill='none' stroke='#444'/>\n";
    for (int i = 0; i <= 4; ++i) {
      double v = y_max_ * i / 4;
      double y = Y(v);
      svg_ << "<line x1='" << x0 << "' x2='" << x1 << "' y1='" << y
           << "' y2='" << y << "' stroke='#ddd'/>\n";
      svg_ << "<text x='" << x0 - 6 << "' y='" << y + 4
           << "' font-size='11' text-anchor='end'>"
           << (y_as_percent ? Fmt(v * 100) + "%" : Fmt(v)) << "</text>\n";
    }
    for (int e = int(std::floor(lx_min_)); e <= int(std::ceil(lx_max_)); ++e) {
      for (int m : {1, 2, 5}) {
        double v = m * std::pow(10.0, e);
        double lv = std::log10(v);
        if (lv < lx_min_ - 1e-9 || lv > lx_max_ + 1e-9) continue;
        double x = X(v);
        svg_ << "<line x1='" << x << "' x2='" << x << "' y1='" << y0
             << "' y2='" << y1 << "' stroke='#eee'/>\n";
        svg_ << "<text x='" << x << "' y='" << y1 + 16
             << "' font-size='11' text-anchor='middle'>" << Fmt(v)
             << "</text>\n";
      }
    }
    svg_ << "<text x='" << (x0 + x1) / 2 << "' y='" << kPanelHeight - 12
         << "' font-size='12' text-anchor='middle'>" << x_label
         << "</text>\n";
    svg_ << "<text transform='translate(" << left_ + 16 << ","
         << (y0 + y1) / 2 << ") rotate(-90)' font-size='12' "
         << "text-anchor='middle'>" << y_label << "</text>\n";
  }
  void Line(const BenchSeries& series, const char* color, bool markers,
            int legend_row) {
    if (series.points.empty()) return;
    svg_ << "<polyline fill='none' stroke='" << color
         << "' stroke-width='2' points='";
    for (auto [x, y] : series.points) svg_ << X(x) << "," << Y(y) << " ";
    svg_ << "'/>\n";
    if (markers)
      for (auto [x, y] : series.points)
        svg_ << "<circle cx='" << X(x) << "' cy='" << Y(y)
             << "' r='3.5' fill='" << color << "'/>\n";
    Legend(series.name, color, legend_row, false);
  }
  void Legend(const std::string& text, const char* color, int row,
              bool dashed) {
    double x = left_ + kMarginLeft + 12;
    double y = kMarginTop + 16 + row * 16;
    svg_ << "<line x1='" << x << "' x2='" << x + 22 << "' y1='" << y - 4
         << "' y2='" << y - 4 << "' stroke='" << color << "' stroke-width='2'"
         << (dashed ? " stroke-dasharray='5,3'" : "") << "/>\n";
    svg_ << "<text x='" << x + 28 << "' y='" << y
         << "' font-size='11'>" << text << "</text>\n";
  }
  void Horizontal(double y, const std::string& label, const char* color,
                  int legend_row) {
    double x0 = left_ + kMarginLeft, x1 = left_ + kPanelWidth - kMarginRight;
    svg_ << "<line x1='" << x0 << "' x2='" << x1 << "' y1='" << Y(y)
         << "' y2='" << Y(y) << "' stroke='" << color
         << "' stroke-width='1.5' stroke-dasharray='5,3'/>\n";
    Legend(label, color, legend_row, true);
  }
  void Vertical(double x, const char* color) {
    svg_ << "<line x1='" << X(x) << "' x2='" << X(x) << "' y1='"
         << kMarginTop << "' y2='" << kPanelHeight - kMarginBottom
         << "' stroke='" << color
         << "' stroke-width='1.5' stroke-dasharray='5,3'/>\n";
  }

 private:
  std::ostringstream& svg_;
  int left_;
  double lx_min_, lx_max_, y_max_;
};

const std::vector<BenchSeries>* Plot(const BenchReport& report,
                                     const std::string& name) {
  auto it = report.series().find(name);
  return it == report.series().end() ? nullptr : &it->second;
}

}  // namespace

std::string RenderBenchSvg(const BenchReport& report) {
  std::ostringstream svg;
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='"
      << 3 * kPanelWidth << "' height='" << kPanelHeight
      << "' font-family='sans-serif'>\n"
      << "<rect width='100%' height='100%' fill='white'/>\n";

  // Left: throughput vs tabs.
  const auto* throughput = Plot(report, "throughput");
  const BenchFigure* floor = report.Find("floor.batched_protobuf");
  double x_max = 1, y_max = 1;
  if (throughput)
    for (const auto& s : *throughput)
      for (auto [x, y] : s.points) {
        x_max = std::max(x_max, x);
        y_max = std::max(y_max, y);
      }
  if (floor) y_max = std::max(y_max, floor->value);
  Panel left(svg, 0, 1, std::max(x_max, 2.0), y_max * 1.1);
  left.Axes("Delivered input events/s vs tabs", "tabs (log)", "events/s",
            false);
  int row = 0;
  if (throughput) {
    int i = 0;
    for (const auto& s : *throughput)
      left.Line(s, SeriesColor(kColors[0], i++), true, row++);
  }
  if (floor)
    left.Horizontal(floor->value, "floor: raw batched protobuf", "#888",
                    row++);

  // Right: latency CDFs.
  const auto* latency = Plot(report, "latency");
  const BenchFigure* ping = report.Find("floor.pingpong_rtt_p50");
  double lat_min = 1e9, lat_max = 1;
  if (latency)
    for (const auto& s : *latency)
      for (auto [x, y] : s.points) {
        lat_min = std::min(lat_min, x);
        lat_max = std::max(lat_max, x);
      }
  if (ping) lat_min = std::min(lat_min, ping->value);
  if (lat_min > lat_max) lat_min = 1;
  Panel right(svg, kPanelWidth, std::max(lat_min * 0.8, 0.1), lat_max * 1.2,
              1.0);
  right.Axes("Input -> ack latency CDF", "microseconds (log)", "fraction",
             true);
  row = 0;
  if (latency) {
    int color = 0;
    for (const auto& s : *latency)
      right.Line(s, kColors[color++ % 4], false, row++);
  }
  if (ping) {
    right.Vertical(ping->value, "#888");
    right.Legend("floor: raw ping-pong p50", "#888", row++, true);
  }

  // Third: what a delivered event costs the manager as tabs grow.
  const auto* cost = Plot(report, "cost");
  double cost_x_max = 1, cost_y_max = 1;
  if (cost)
    for (const auto& s : *cost)
      for (auto [x, y] : s.points) {
        cost_x_max = std::max(cost_x_max, x);
        cost_y_max = std::max(cost_y_max, y);
      }
  Panel third(svg, 2 * kPanelWidth, 1, std::max(cost_x_max, 2.0),
              cost_y_max * 1.1);
  third.Axes("Manager CPU per delivered event vs tabs", "tabs (log)",
             "ns/event", false);
  row = 0;
  if (cost) {
    int i = 0;
    for (const auto& s : *cost)
      third.Line(s, SeriesColor(kColors[1], i++), true, row++);
  }
  svg << "</svg>\n";
  return svg.str();
}

Status WriteBenchSvg(const BenchReport& report, const std::string& path) {
  std::ofstream file(path, std::ios::trunc);
  if (!file) return Error::FromErrno("open " + path);
  file << RenderBenchSvg(report);
  file.close();
  if (!file) return Error::FromErrno("write " + path);
  return Status::Ok();
}

}  // namespace tabsim
