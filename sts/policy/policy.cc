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
    Pattern pattern;
    const size_t star = text.find('*');
    if (star == std::string::npos) {
      pattern.text = text;
    } else if (text == "*") {
      pattern.prefix = true;
    } else if (absl::EndsWith(text, "**") && star == text.size() - 2) {
      // Written out on purpose: any continuation, segment boundary or not.
      pattern.prefix = true;
      pattern.text = text.substr(0, star);
    } else if (star == text.size() - 1 && (text[star - 1] == '/' || text[star - 1] == ':')) {
      // "spiffe://td/ns/*", "dns:*": everything below a path segment (or a
      // kind), never a sibling that merely starts alike.
      pattern.prefix = true;
      pattern.text = text.substr(0, star);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "policy pattern \"", text,
          "\": '*' matches a whole path segment and ends a pattern: write \"prefix/*\" for "
          "everything under prefix/, \"*\" for anything, or \"prefix**\" to match any "
          "continuation of prefix deliberately"));
    }
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
