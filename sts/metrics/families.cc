#include "sts/metrics/families.h"

namespace sts::metrics {
namespace {

prometheus::ClientMetric WithLabels(const Labels& labels) {
  prometheus::ClientMetric metric;
  for (const auto& [name, value] : labels) metric.label.push_back({name, value});
  return metric;
}

}  // namespace

prometheus::MetricFamily Family(std::string name, std::string help, prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

void AddCounter(prometheus::MetricFamily* family, const Labels& labels, double value) {
  prometheus::ClientMetric metric = WithLabels(labels);
  metric.counter.value = value;
  family->metric.push_back(std::move(metric));
}

void AddGauge(prometheus::MetricFamily* family, const Labels& labels, double value) {
  prometheus::ClientMetric metric = WithLabels(labels);
  metric.gauge.value = value;
  family->metric.push_back(std::move(metric));
}

void AddHistogram(prometheus::MetricFamily* family, const Labels& labels,
                  prometheus::ClientMetric::Histogram histogram) {
  prometheus::ClientMetric metric = WithLabels(labels);
  metric.histogram = std::move(histogram);
  family->metric.push_back(std::move(metric));
}

}  // namespace sts::metrics
