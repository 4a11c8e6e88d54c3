#ifndef STS_TESTS_SOAK_PROCESS_STATS_H_
#define STS_TESTS_SOAK_PROCESS_STATS_H_

#include <sys/types.h>

#include <optional>
#include <vector>

namespace sts::soak {

// What /proc says about a process now: resident memory and open file
// descriptors (sockets included). nullopt when the process is gone.
struct ProcessSample {
  double seconds = 0;  // since the soak started
  long rss_kib = 0;
  int open_fds = 0;
  int threads = 0;
};
std::optional<ProcessSample> SampleProcess(pid_t pid, double seconds);

// Least-squares slope of y over x, per unit of x; 0 with fewer than two points.
double Slope(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace sts::soak

#endif  // STS_TESTS_SOAK_PROCESS_STATS_H_
