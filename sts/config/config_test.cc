#include "sts/config/config.h"

#include <sched.h>

#include <cstdio>
#include <fstream>

#include "gtest/gtest.h"

namespace sts::config {
namespace {

StsConfig Minimal() {
  StsConfig c;
  c.mutable_tls()->set_client_ca_file("ca.pem");
  c.mutable_tls()->set_cert_file("server.pem");
  c.mutable_tls()->set_key_file("server.key");
  return c;
}

std::string WriteTemp(const std::string& text) {
  const std::string path = ::testing::TempDir() + "/sts_config_test.textproto";
  std::ofstream(path) << text;
  return path;
}

TEST(ConfigTest, FillsEveryDefault) {
  StsConfig c = Minimal();
  ASSERT_TRUE(ApplyDefaultsAndValidate(&c).ok());
  EXPECT_EQ(c.listen_address(), "127.0.0.1:8443");
  EXPECT_EQ(c.tokens().default_lifetime(), "1h");
  EXPECT_EQ(c.tokens().max_lifetime(), "12h");
  EXPECT_EQ(c.tokens().default_key_size(), 256u);
  EXPECT_EQ(c.tokens().clock_skew(), "5m");
  EXPECT_EQ(c.tokens().rollover_window(), "5m");
  EXPECT_EQ(c.tokens().max_pending_keys(), 5u);
  EXPECT_EQ(c.tokens().max_tokens_per_principal(), 128u);
  EXPECT_EQ(c.tokens().replay_cache_entries(), 900000u);
  absl::StatusOr<Settings> s = ResolveSettings(c);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->tokens.default_lifetime, absl::Hours(1));
  EXPECT_EQ(s->tokens.max_lifetime, absl::Hours(12));
  EXPECT_EQ(s->clock_skew, absl::Minutes(5));
  EXPECT_GE(s->completion_queues, 1u);
}

TEST(ConfigTest, DefaultCompletionQueuesFollowTheCpusTheProcessMayRunOn) {
  StsConfig c = Minimal();
  ASSERT_TRUE(ApplyDefaultsAndValidate(&c).ok());
  cpu_set_t all;
  ASSERT_EQ(sched_getaffinity(0, sizeof(all), &all), 0);
  EXPECT_EQ(ResolveSettings(c)->completion_queues, static_cast<unsigned>(CPU_COUNT(&all)));
  // Pinned to one CPU (as taskset or a one-CPU cpuset would): one queue.
  cpu_set_t one;
  CPU_ZERO(&one);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &all)) {
      CPU_SET(cpu, &one);
      break;
    }
  }
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  const unsigned pinned = ResolveSettings(c)->completion_queues;
  ASSERT_EQ(sched_setaffinity(0, sizeof(all), &all), 0);
  EXPECT_EQ(pinned, 1u);
  // An explicit count is kept whatever the CPUs.
  c.mutable_server()->set_completion_queues(3);
  EXPECT_EQ(ResolveSettings(c)->completion_queues, 3u);
}

TEST(ConfigTest, TheTlsFilesAreReloadedEveryMinuteByDefaultAndWithinBounds) {
  StsConfig c = Minimal();
  ASSERT_TRUE(ApplyDefaultsAndValidate(&c).ok());
  EXPECT_EQ(c.tls().reload_interval(), "60s");
  EXPECT_EQ(ResolveSettings(c)->tls_reload_interval, absl::Seconds(60));
  c = Minimal();
  c.mutable_tls()->set_reload_interval("2s");
  ASSERT_TRUE(ApplyDefaultsAndValidate(&c).ok());
  EXPECT_EQ(ResolveSettings(c)->tls_reload_interval, absl::Seconds(2));
  for (const char* bad : {"100ms", "25h", "soon"}) {
    c = Minimal();
    c.mutable_tls()->set_reload_interval(bad);
    const absl::Status s = ApplyDefaultsAndValidate(&c);
    EXPECT_NE(s.message().find("tls.reload_interval"), std::string::npos) << bad << ": " << s;
  }
}

TEST(ConfigTest, RequiresTheTlsFiles) {
  StsConfig c;
  absl::Status s = ApplyDefaultsAndValidate(&c);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("tls."), std::string::npos);
}

TEST(ConfigTest, NamesTheFieldOfABadValue) {
  StsConfig c = Minimal();
  c.mutable_tokens()->set_default_lifetime("an hour");
  absl::Status s = ApplyDefaultsAndValidate(&c);
  EXPECT_NE(s.message().find("tokens.default_lifetime"), std::string::npos) << s;
  c = Minimal();
  c.mutable_tokens()->set_default_key_size(100);
  EXPECT_FALSE(ApplyDefaultsAndValidate(&c).ok());
  c = Minimal();
  c.mutable_tokens()->set_default_lifetime("13h");  // over max 12h
  EXPECT_FALSE(ApplyDefaultsAndValidate(&c).ok());
}

TEST(ConfigTest, RedisDefaultsFailClosedAndBoundTheWork) {
  StsConfig c = Minimal();
  ASSERT_TRUE(ApplyDefaultsAndValidate(&c).ok());
  EXPECT_FALSE(c.redis().release_keys_when_unavailable());
  EXPECT_EQ(c.server().redis_workers(), 8u);
  EXPECT_EQ(c.server().redis_queue_limit(), 256u);
  EXPECT_EQ(c.stateless().max_in_process_entries(), 1000000u);
  absl::StatusOr<Settings> s = ResolveSettings(c);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->redis_workers, 8u);
  EXPECT_EQ(s->redis_queue_limit, 256u);
  EXPECT_EQ(s->max_in_process_entries, 1000000u);
}

TEST(ConfigTest, RefusesInconsistentRedisSettings) {
  auto refused = [](StsConfig c, absl::string_view names) {
    const absl::Status s = ApplyDefaultsAndValidate(&c);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find(names), std::string::npos) << s;
  };
  StsConfig c = Minimal();
  c.mutable_redis()->set_password_file("/etc/sts/redis.password");
  refused(c, "need redis.address");  // nothing to authenticate to
  c = Minimal();
  c.mutable_redis()->set_address("redis:6379");
  c.mutable_redis()->set_username("sts");
  refused(c, "redis.username needs redis.password_file");
  c = Minimal();
  c.mutable_redis()->set_address("redis:6379");
  c.mutable_redis()->set_release_keys_when_unavailable(true);
  c.mutable_redis()->set_refuse_validate_when_unavailable(true);
  refused(c, "contradict");
  c = Minimal();
  c.mutable_redis()->set_address("redis:6379");
  c.mutable_redis()->mutable_tls()->set_cert_file("client.pem");
  refused(c, "redis.tls.ca_file is required");
  c.mutable_redis()->mutable_tls()->set_ca_file("ca.pem");
  refused(c, "both or neither");
  c.mutable_redis()->mutable_tls()->set_key_file("client.key");
  EXPECT_TRUE(ApplyDefaultsAndValidate(&c).ok());
  c = Minimal();
  c.mutable_server()->set_redis_workers(1000);
  refused(c, "server.redis_workers");
}

TEST(ConfigTest, LoadsTextFormatAndRefusesUnknownFields) {
  absl::StatusOr<StsConfig> c = LoadConfigFile(WriteTemp(R"pb(
    listen_address: "127.0.0.1:0"
    tls { client_ca_file: "ca.pem" cert_file: "s.pem" key_file: "s.key" }
    tokens { default_lifetime: "30m" }
  )pb"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->tokens().default_lifetime(), "30m");
  absl::StatusOr<StsConfig> bad = LoadConfigFile(WriteTemp("tokens { default_lifetmie: \"1h\" }"));
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("default_lifetmie"), std::string::npos);
  EXPECT_EQ(LoadConfigFile("/nonexistent/sts.textproto").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ConfigTest, MetricsAreOffByDefaultAndTheirTopNIsBounded) {
  StsConfig c = Minimal();
  ASSERT_TRUE(ApplyDefaultsAndValidate(&c).ok());
  EXPECT_EQ(c.metrics().listen_address(), "");
  EXPECT_EQ(c.metrics().top_principals(), 10u);
  EXPECT_EQ(c.server().config_check_interval(), "5s");
  EXPECT_EQ(ResolveSettings(c)->config_check_interval, absl::Seconds(5));
  c = Minimal();
  c.mutable_metrics()->set_top_principals(kMaxTopPrincipals + 1);
  absl::Status s = ApplyDefaultsAndValidate(&c);
  EXPECT_NE(s.message().find("metrics.top_principals"), std::string::npos) << s;
  c = Minimal();
  c.mutable_server()->set_config_check_interval("1ms");
  s = ApplyDefaultsAndValidate(&c);
  EXPECT_NE(s.message().find("server.config_check_interval"), std::string::npos) << s;
}

TEST(ConfigTest, ChangedFieldsNamesEachDifferenceAndThePolicyAsAWhole) {
  StsConfig a = Minimal();
  ASSERT_TRUE(ApplyDefaultsAndValidate(&a).ok());
  EXPECT_TRUE(ChangedFields(a, a).empty());
  StsConfig b = a;
  b.mutable_tokens()->set_max_lifetime("2h");
  b.mutable_policy()->add_issue()->add_principal("spiffe://x/*");
  b.mutable_redis()->mutable_tls()->set_ca_file("ca.pem");
  b.set_listen_address("127.0.0.1:9443");
  EXPECT_EQ(ChangedFields(a, b),
            (std::vector<std::string>{"listen_address", "tokens.max_lifetime", "policy",
                                      "redis.tls.ca_file"}));
}

}  // namespace
}  // namespace sts::config
