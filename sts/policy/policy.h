#ifndef STS_POLICY_POLICY_H_
#define STS_POLICY_POLICY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sts/config/sts_config.pb.h"

namespace sts::policy {

// Authorization decisions from the configuration's PolicyConfig. Immutable
// once built, so thread safe. An empty policy refuses everything.
class Policy {
 public:
  // Refuses malformed patterns ("*" anywhere but at the end).
  static absl::StatusOr<Policy> FromConfig(const sts::config::PolicyConfig& config);

  // May `principal` obtain a context for `applies_to` ("" = no audience)?
  bool MayIssue(absl::string_view principal, absl::string_view applies_to) const;

  enum class ValidateAccess {
    kDenied,      // no rule names this principal
    kStatusOnly,  // may learn validity, never keys
    kKeysAsAudience,  // also receives keys of contexts whose audience it is
  };
  // What a principal other than the context's owner may learn by Validate.
  ValidateAccess ValidateAccessFor(absl::string_view principal) const;

 private:
  // A pattern: exact, prefix ("...*"), or any ("*").
  struct Pattern {
    std::string text;  // without the trailing '*'
    bool prefix = false;
    bool Matches(absl::string_view value) const;
  };
  struct IssueRule {
    std::vector<Pattern> principals;
    std::vector<Pattern> audiences;
  };
  struct ValidateRule {
    std::vector<Pattern> principals;
    bool release_keys = false;
  };
  static absl::StatusOr<std::vector<Pattern>> ParsePatterns(
      const google::protobuf::RepeatedPtrField<std::string>& texts);
  static bool AnyMatches(const std::vector<Pattern>& patterns, absl::string_view value);

  std::vector<IssueRule> issue_;
  std::vector<ValidateRule> validate_;
};

}  // namespace sts::policy

#endif  // STS_POLICY_POLICY_H_
