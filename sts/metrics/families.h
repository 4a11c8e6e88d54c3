#ifndef STS_METRICS_FAMILIES_H_
#define STS_METRICS_FAMILIES_H_

// Small builders for the metric families the collectors here expose at
// scrape time (prometheus-cpp's MetricFamily and ClientMetric are plain
// structs).

#include <string>
#include <utility>
#include <vector>

#include "prometheus/client_metric.h"
#include "prometheus/metric_family.h"

namespace sts::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

prometheus::MetricFamily Family(std::string name, std::string help, prometheus::MetricType type);

// Appends one sample to `family` (of the matching type).
void AddCounter(prometheus::MetricFamily* family, const Labels& labels, double value);
void AddGauge(prometheus::MetricFamily* family, const Labels& labels, double value);
void AddHistogram(prometheus::MetricFamily* family, const Labels& labels,
                  prometheus::ClientMetric::Histogram histogram);

}  // namespace sts::metrics

#endif  // STS_METRICS_FAMILIES_H_
