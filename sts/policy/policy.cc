#include "sts/policy/policy.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace sts::policy {

bool Policy::Pattern::Matches(absl::string_view value) const {
  return prefix ? absl::StartsWith(value, text) : value == text;
}

absl::StatusOr<std::vector<Policy::Pattern>> Policy::ParsePatterns(
    const google::protobuf::RepeatedPtrField<std::string>& texts) {
  std::vector<Pattern> patterns;
  for (const std::string& text : texts) {
    const size_t star = text.find('*');
    if (star != std::string::npos && star != text.size() - 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("policy pattern \"", text, "\": '*' may only end a pattern"));
    }
    Pattern pattern;
    pattern.prefix = star != std::string::npos;
    pattern.text = pattern.prefix ? text.substr(0, star) : text;
    patterns.push_back(std::move(pattern));
  }
  return patterns;
}

bool Policy::AnyMatches(const std::vector<Pattern>& patterns, absl::string_view value) {
  for (const Pattern& p : patterns) {
    if (p.Matches(value)) return true;
  }
  return false;
}

absl::StatusOr<Policy> Policy::FromConfig(const sts::config::PolicyConfig& config) {
  Policy policy;
  for (const auto& rule : config.issue()) {
    IssueRule parsed;
    absl::StatusOr<std::vector<Pattern>> principals = ParsePatterns(rule.principal());
    if (!principals.ok()) return principals.status();
    absl::StatusOr<std::vector<Pattern>> audiences = ParsePatterns(rule.applies_to());
    if (!audiences.ok()) return audiences.status();
    parsed.principals = *std::move(principals);
    parsed.audiences = *std::move(audiences);
    policy.issue_.push_back(std::move(parsed));
  }
  for (const auto& rule : config.validate()) {
    ValidateRule parsed;
    absl::StatusOr<std::vector<Pattern>> principals = ParsePatterns(rule.principal());
    if (!principals.ok()) return principals.status();
    parsed.principals = *std::move(principals);
    parsed.release_keys = rule.release_keys_to_audience();
    policy.validate_.push_back(std::move(parsed));
  }
  return policy;
}

bool Policy::MayIssue(absl::string_view principal, absl::string_view applies_to) const {
  for (const IssueRule& rule : issue_) {
    if (AnyMatches(rule.principals, principal) && AnyMatches(rule.audiences, applies_to)) {
      return true;
    }
  }
  return false;
}

Policy::ValidateAccess Policy::ValidateAccessFor(absl::string_view principal) const {
  ValidateAccess access = ValidateAccess::kDenied;
  for (const ValidateRule& rule : validate_) {
    if (!AnyMatches(rule.principals, principal)) continue;
    if (rule.release_keys) return ValidateAccess::kKeysAsAudience;
    access = ValidateAccess::kStatusOnly;
  }
  return access;
}

}  // namespace sts::policy
