#include "tests/soak/process_stats.h"

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <string>

namespace sts::soak {

std::optional<ProcessSample> SampleProcess(pid_t pid, double seconds) {
  const std::string proc = "/proc/" + std::to_string(pid);
  std::ifstream status(proc + "/status");
  if (!status) return std::nullopt;
  ProcessSample sample;
  sample.seconds = seconds;
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) sample.rss_kib = std::stol(line.substr(6));
    if (line.rfind("Threads:", 0) == 0) sample.threads = std::stoi(line.substr(8));
  }
  DIR* fds = ::opendir((proc + "/fd").c_str());
  if (fds == nullptr) return std::nullopt;
  while (const dirent* entry = ::readdir(fds)) {
    if (entry->d_name[0] != '.') ++sample.open_fds;
  }
  ::closedir(fds);
  return sample;
}

double Slope(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = std::min(x.size(), y.size());
  if (n < 2) return 0;
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  return sxx == 0 ? 0 : sxy / sxx;
}

}  // namespace sts::soak
