#include "sts/config/config.h"

#include <sched.h>

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "client/files.h"
#include "client/wire/limits.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"

namespace sts::config {
namespace {

// Collects the parser's complaints so they reach the operator in one status.
class ErrorCollector final : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    absl::StrAppend(&errors_, errors_.empty() ? "" : "; ", "line ", line + 1, ":",
                    column + 1, ": ", message);
  }
  const std::string& errors() const { return errors_; }

 private:
  std::string errors_;
};

absl::Status SetDuration(std::string* field, absl::string_view name,
                         absl::string_view fallback, absl::Duration min, absl::Duration max) {
  if (field->empty()) *field = std::string(fallback);
  absl::Duration d;
  if (!absl::ParseDuration(*field, &d)) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": \"", *field, "\" is not a duration (e.g. \"90s\", \"1h\")"));
  }
  if (d < min || d > max) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": ", *field, " is outside ",
                                                   absl::FormatDuration(min), "..",
                                                   absl::FormatDuration(max)));
  }
  return absl::OkStatus();
}

// The serialization of `m` with every field but `keep` cleared: two messages
// of one type hold equal values in `keep` exactly when these are equal.
std::string OnlyField(const google::protobuf::Message& m,
                      const google::protobuf::FieldDescriptor* keep) {
  std::unique_ptr<google::protobuf::Message> copy(m.New());
  copy->CopyFrom(m);
  const google::protobuf::Descriptor* d = m.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i) != keep) copy->GetReflection()->ClearField(copy.get(), d->field(i));
  }
  std::string out;
  copy->SerializeToString(&out);
  return out;
}

// Appends to `out` the fields in which `a` and `b` (of one type) differ, as
// `prefix` + name; singular message fields are descended into, but policy.
void AppendChanged(const google::protobuf::Message& a, const google::protobuf::Message& b,
                   const std::string& prefix, std::vector<std::string>* out) {
  const google::protobuf::Descriptor* d = a.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = d->field(i);
    const std::string name = prefix + f->name();
    if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE && !f->is_repeated() &&
        name != "policy") {
      AppendChanged(a.GetReflection()->GetMessage(a, f), b.GetReflection()->GetMessage(b, f),
                    name + ".", out);
    } else if (OnlyField(a, f) != OnlyField(b, f)) {
      out->push_back(name);
    }
  }
}

absl::Duration Parsed(const std::string& text) {
  absl::Duration d;
  absl::ParseDuration(text, &d);  // validated by ApplyDefaultsAndValidate
  return d;
}

}  // namespace

absl::StatusOr<StsConfig> LoadConfigFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return absl::NotFoundError(absl::StrCat("cannot read config file ", path));
  StsConfig config;
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(*text, &config)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", errors.errors()));
  }
  return config;
}

absl::Status ApplyDefaultsAndValidate(StsConfig* c) {
  if (c->listen_address().empty()) c->set_listen_address("127.0.0.1:8443");
  if (c->tls().client_ca_file().empty() || c->tls().cert_file().empty() ||
      c->tls().key_file().empty()) {
    return absl::InvalidArgumentError(
        "tls.client_ca_file, tls.cert_file and tls.key_file are required: the STS serves "
        "mutual TLS only");
  }
  TokenConfig* t = c->mutable_tokens();
  const absl::Duration day = absl::Hours(24);
  for (auto [field, name, fallback, min, max] :
       std::initializer_list<std::tuple<std::string*, absl::string_view, absl::string_view,
                                        absl::Duration, absl::Duration>>{
           {t->mutable_default_lifetime(), "tokens.default_lifetime", "1h", absl::Seconds(1), 7 * day},
           {t->mutable_max_lifetime(), "tokens.max_lifetime", "12h", absl::Seconds(1), 7 * day},
           {t->mutable_min_lifetime(), "tokens.min_lifetime", "1s", absl::Seconds(1), 7 * day},
           {t->mutable_clock_skew(), "tokens.clock_skew", "5m", absl::Seconds(1), absl::Hours(1)},
           {t->mutable_rollover_window(), "tokens.rollover_window", "5m", absl::ZeroDuration(), day},
           {t->mutable_expired_renewal_max_age(), "tokens.expired_renewal_max_age", "10m",
            absl::ZeroDuration(), 7 * day},
           {t->mutable_retention(), "tokens.retention", "10m", absl::ZeroDuration(), 7 * day},
           {t->mutable_sweep_interval(), "tokens.sweep_interval", "1s", absl::Milliseconds(10),
            absl::Minutes(10)},
           {t->mutable_max_context_age(), "tokens.max_context_age", "24h", absl::Seconds(1),
            30 * day},
           {c->mutable_tls()->mutable_reload_interval(), "tls.reload_interval", "60s",
            absl::Seconds(1), day},
           {c->mutable_server()->mutable_drain_timeout(), "server.drain_timeout", "10s",
            absl::ZeroDuration(), absl::Minutes(10)},
           {c->mutable_stateless()->mutable_keyset_check_interval(),
            "stateless.keyset_check_interval", "5s", absl::Milliseconds(100), absl::Hours(1)},
           {c->mutable_redis()->mutable_timeout(), "redis.timeout", "250ms",
            absl::Milliseconds(1), absl::Seconds(30)},
           {c->mutable_server()->mutable_config_check_interval(), "server.config_check_interval",
            "5s", absl::Milliseconds(100), absl::Hours(1)},
       }) {
    if (absl::Status s = SetDuration(field, name, fallback, min, max); !s.ok()) return s;
  }
  if (Parsed(t->min_lifetime()) > Parsed(t->default_lifetime()) ||
      Parsed(t->default_lifetime()) > Parsed(t->max_lifetime())) {
    return absl::InvalidArgumentError(
        "tokens: min_lifetime <= default_lifetime <= max_lifetime must hold");
  }
  if (t->default_key_size() == 0) t->set_default_key_size(wire::kDefaultKeyBits);
  if (!wire::IsValidKeyBits(t->default_key_size())) {
    return absl::InvalidArgumentError(absl::StrCat("tokens.default_key_size must be ",
                                                   wire::kMinKeyBits, "..", wire::kMaxKeyBits,
                                                   ", a multiple of 8"));
  }
  if (t->max_pending_keys() == 0) t->set_max_pending_keys(5);
  if (t->max_pending_keys() > keyring::kMaxPendingKeysLimit) {
    return absl::InvalidArgumentError(absl::StrCat("tokens.max_pending_keys must be at most ",
                                                   keyring::kMaxPendingKeysLimit));
  }
  if (t->max_tokens_per_principal() == 0) t->set_max_tokens_per_principal(128);
  if (t->max_tokens_total() == 0) t->set_max_tokens_total(1'000'000);
  if (t->max_retained_tokens() == 0) t->set_max_retained_tokens(250'000);
  if (t->replay_cache_entries() == 0) t->set_replay_cache_entries(900'000);
  if (t->replay_entries_per_principal() == 0) t->set_replay_entries_per_principal(16'384);
  if (t->proof_rate_per_principal() == 0) t->set_proof_rate_per_principal(20);
  if (t->proof_burst_per_principal() == 0) t->set_proof_burst_per_principal(100);
  if (!(t->proof_rate_per_principal() > 0 && t->proof_rate_per_principal() <= 1e6)) {
    return absl::InvalidArgumentError("tokens.proof_rate_per_principal must be in (0, 1e6]");
  }
  ServerConfig* s = c->mutable_server();
  if (s->max_request_bytes() == 0) s->set_max_request_bytes(64 * 1024);
  if (s->max_request_bytes() < 1024 || s->max_request_bytes() > 16 * 1024 * 1024) {
    return absl::InvalidArgumentError("server.max_request_bytes must be 1 KiB..16 MiB");
  }
  if (c->stateless().enabled() && c->stateless().keyset_file().empty()) {
    return absl::InvalidArgumentError(
        "stateless.keyset_file is required when stateless.enabled (create one with sts_keyset)");
  }
  if (s->redis_workers() == 0) s->set_redis_workers(8);
  if (s->redis_workers() > 256) {
    return absl::InvalidArgumentError("server.redis_workers must be at most 256");
  }
  if (s->redis_queue_limit() == 0) s->set_redis_queue_limit(256);
  if (s->redis_queue_limit() > 1'000'000) {
    return absl::InvalidArgumentError("server.redis_queue_limit must be at most 1000000");
  }
  StatelessConfig* stateless = c->mutable_stateless();
  if (stateless->max_in_process_entries() == 0) stateless->set_max_in_process_entries(1'000'000);
  RedisConfig* r = c->mutable_redis();
  if (r->key_prefix().empty()) r->set_key_prefix("sts:");
  if (r->address().empty() && (!r->password_file().empty() || !r->username().empty() ||
                               r->has_tls() || r->release_keys_when_unavailable() ||
                               r->refuse_validate_when_unavailable())) {
    return absl::InvalidArgumentError(
        "redis: password_file, username, tls and the *_when_unavailable settings need "
        "redis.address");
  }
  if (!r->username().empty() && r->password_file().empty()) {
    return absl::InvalidArgumentError("redis.username needs redis.password_file");
  }
  if (r->release_keys_when_unavailable() && r->refuse_validate_when_unavailable()) {
    return absl::InvalidArgumentError(
        "redis.release_keys_when_unavailable and redis.refuse_validate_when_unavailable "
        "contradict each other: choose one");
  }
  if (r->has_tls()) {
    if (r->tls().ca_file().empty()) {
      return absl::InvalidArgumentError(
          "redis.tls.ca_file is required: Redis's certificate is always verified");
    }
    if (r->tls().cert_file().empty() != r->tls().key_file().empty()) {
      return absl::InvalidArgumentError(
          "redis.tls.cert_file and redis.tls.key_file go together (both or neither)");
    }
  }
  if (s->completion_queues() > 256) {
    return absl::InvalidArgumentError("server.completion_queues must be at most 256");
  }
  MetricsConfig* m = c->mutable_metrics();
  if (m->top_principals() == 0) m->set_top_principals(10);
  if (m->top_principals() > kMaxTopPrincipals) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metrics.top_principals must be at most ", kMaxTopPrincipals,
        " (each is a series of its own in every scrape)"));
  }
  return absl::OkStatus();
}

// The CPUs this process may run on (a cpuset, taskset or container limit it
// to), not the machine's: on one pinned CPU a second polling thread only
// takes turns with the first.
uint32_t DefaultCompletionQueues() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) {
    return static_cast<uint32_t>(CPU_COUNT(&set));
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

absl::StatusOr<Settings> ResolveSettings(const StsConfig& c) {
  StsConfig copy = c;
  if (absl::Status s = ApplyDefaultsAndValidate(&copy); !s.ok()) return s;
  const TokenConfig& t = copy.tokens();
  Settings out;
  out.tokens.default_lifetime = Parsed(t.default_lifetime());
  out.tokens.max_lifetime = Parsed(t.max_lifetime());
  out.tokens.min_lifetime = Parsed(t.min_lifetime());
  out.tokens.default_key_bits = t.default_key_size();
  out.tokens.rollover_window = Parsed(t.rollover_window());
  out.tokens.allow_expired_renewal = t.allow_expired_renewal();
  out.tokens.expired_renewal_max_age = Parsed(t.expired_renewal_max_age());
  out.tokens.retention = Parsed(t.retention());
  out.tokens.max_context_age = Parsed(t.max_context_age());
  out.keyring.max_live_tokens = t.max_tokens_total();
  out.keyring.max_live_per_principal = t.max_tokens_per_principal();
  out.keyring.max_retained_tokens = t.max_retained_tokens();
  out.keyring.max_pending_keys = t.max_pending_keys();
  out.clock_skew = Parsed(t.clock_skew());
  out.sweep_interval = Parsed(t.sweep_interval());
  out.drain_timeout = Parsed(copy.server().drain_timeout());
  out.tls_reload_interval = Parsed(copy.tls().reload_interval());
  out.replay_cache_entries = t.replay_cache_entries();
  out.replay_entries_per_principal = t.replay_entries_per_principal();
  out.proof_rate_per_principal = t.proof_rate_per_principal();
  out.proof_burst_per_principal = t.proof_burst_per_principal();
  out.completion_queues = copy.server().completion_queues();
  if (out.completion_queues == 0) out.completion_queues = DefaultCompletionQueues();
  out.max_request_bytes = copy.server().max_request_bytes();
  out.keyset_check_interval = Parsed(copy.stateless().keyset_check_interval());
  out.redis_timeout = Parsed(copy.redis().timeout());
  out.redis_workers = copy.server().redis_workers();
  out.redis_queue_limit = copy.server().redis_queue_limit();
  out.max_in_process_entries = copy.stateless().max_in_process_entries();
  out.config_check_interval = Parsed(copy.server().config_check_interval());
  out.top_principals = copy.metrics().top_principals();
  return out;
}

std::vector<std::string> ChangedFields(const StsConfig& before, const StsConfig& after) {
  std::vector<std::string> out;
  AppendChanged(before, after, "", &out);
  return out;
}

}  // namespace sts::config
