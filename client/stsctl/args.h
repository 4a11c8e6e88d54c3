#ifndef STS_CLIENT_STSCTL_ARGS_H_
#define STS_CLIENT_STSCTL_ARGS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sts::stsctl {

// The command line of one stsctl run: a subcommand, then --flags. Flags are
// written --name=value or --name value; '-' and '_' in names are the same
// (--applies-to == --applies_to); boolean flags take no value.
struct Args {
  std::string command;
  std::map<std::string, std::string> values;  // names normalized to '-'
  std::set<std::string> switches;
  std::vector<std::string> positional;

  std::string Get(const std::string& name, const std::string& fallback = "") const;
  bool Has(const std::string& name) const { return switches.count(name) > 0; }
};

// Parses argv[1..]. `value_flags` and `switch_flags` list every known flag
// (normalized); anything else is an error naming it.
absl::StatusOr<Args> ParseArgs(int argc, char** argv, const std::set<std::string>& value_flags,
                               const std::set<std::string>& switch_flags);

}  // namespace sts::stsctl

#endif  // STS_CLIENT_STSCTL_ARGS_H_
