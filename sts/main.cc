// sts_server: the security token service. See README.md for configuration.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/text_format.h"
#include "client/core_dumps.h"
#include "sts/config/config.h"
#include "sts/server/sts_server.h"

ABSL_FLAG(std::string, config, "",
          "StsConfig file in protobuf text format (see README.md). Flags below override it.");
ABSL_FLAG(std::string, listen, "", "host:port for sts.v1 over mutual TLS (default 127.0.0.1:8443)");
ABSL_FLAG(std::string, health_listen, "",
          "host:port for a plaintext health-only listener (default: none)");
ABSL_FLAG(std::string, client_ca, "", "PEM bundle of the CAs that client certificates must chain to");
ABSL_FLAG(std::string, cert, "", "PEM certificate chain of the STS");
ABSL_FLAG(std::string, key, "", "PEM private key of the STS");
ABSL_FLAG(std::string, default_lifetime, "", "token lifetime when a request names none (default 1h)");
ABSL_FLAG(std::string, max_lifetime, "", "longest token lifetime granted (default 12h)");
ABSL_FLAG(uint32_t, key_size, 0, "default key size in bits, 128..512 (default 256)");
ABSL_FLAG(std::string, audit_log, "", "audit log file; \"-\" for stderr (the default)");
ABSL_FLAG(std::string, port_file, "",
          "write the bound port here once serving (for scripts and tests using port 0)");
ABSL_FLAG(bool, print_config, false, "print the effective configuration and exit");

namespace {

template <class T>
void Override(const T& flag_value, T* field) {
  if (flag_value != T{}) *field = flag_value;
}

// The configuration file with the flags applied over it, defaults filled in
// and validated: at start, and again for each reload of the file.
absl::StatusOr<sts::config::StsConfig> EffectiveConfig(const std::string& path) {
  sts::config::StsConfig config;
  if (!path.empty()) {
    absl::StatusOr<sts::config::StsConfig> loaded = sts::config::LoadConfigFile(path);
    if (!loaded.ok()) return loaded.status();
    config = *std::move(loaded);
  }
  Override(absl::GetFlag(FLAGS_listen), config.mutable_listen_address());
  Override(absl::GetFlag(FLAGS_health_listen), config.mutable_health_listen_address());
  Override(absl::GetFlag(FLAGS_client_ca), config.mutable_tls()->mutable_client_ca_file());
  Override(absl::GetFlag(FLAGS_cert), config.mutable_tls()->mutable_cert_file());
  Override(absl::GetFlag(FLAGS_key), config.mutable_tls()->mutable_key_file());
  Override(absl::GetFlag(FLAGS_default_lifetime), config.mutable_tokens()->mutable_default_lifetime());
  Override(absl::GetFlag(FLAGS_max_lifetime), config.mutable_tokens()->mutable_max_lifetime());
  if (const uint32_t bits = absl::GetFlag(FLAGS_key_size); bits != 0) {
    config.mutable_tokens()->set_default_key_size(bits);
  }
  Override(absl::GetFlag(FLAGS_audit_log), config.mutable_audit()->mutable_path());
  if (absl::Status s = sts::config::ApplyDefaultsAndValidate(&config); !s.ok()) return s;
  return config;
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "sts_server: %s\n", std::string(status.message()).c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Security token service: issues, renews, cancels and validates WS-SecureConversation "
      "security context tokens over gRPC with mutual TLS.\n"
      "Usage: sts_server --config=sts.textproto [overrides]");
  absl::ParseCommandLine(argc, argv);
  // Keys live in this process: no core dumps, no ptrace by the same user.
  if (absl::Status s = sts::DisableCoreDumps(); !s.ok()) return Fail(s);
  // Debian's Abseil is built without NDEBUG, so every absl::Mutex that gRPC
  // takes also updates a global lock-order graph (deadlock detection): a few
  // per cent of a call, measured. It is a debugging aid; production is off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  const std::string config_path = absl::GetFlag(FLAGS_config);
  absl::StatusOr<sts::config::StsConfig> effective = EffectiveConfig(config_path);
  if (!effective.ok()) return Fail(effective.status());
  const sts::config::StsConfig& config = *effective;
  if (absl::GetFlag(FLAGS_print_config)) {
    std::string text;
    google::protobuf::TextFormat::PrintToString(config, &text);
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  if (config.policy().issue_size() == 0) {
    std::fprintf(stderr,
                 "sts_server: warning: the policy has no issue rule, so every Issue is refused "
                 "(see README.md, \"Policy\")\n");
  }

  // SIGTERM/SIGINT are taken by sigwait below, in this thread only: block them
  // before any other thread exists so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<std::unique_ptr<sts::server::StsServer>> server =
      sts::server::StsServer::Start(
          config, sts::Clock::Real(),
          config_path.empty()
              ? sts::server::StsServer::ConfigSource{}
              : sts::server::StsServer::ConfigSource{
                    config_path, [config_path] { return EffectiveConfig(config_path); }});
  if (!server.ok()) return Fail(server.status());
  const std::string host = config.listen_address().substr(0, config.listen_address().rfind(':'));
  std::printf("sts_server: serving sts.v1 over mutual TLS on %s:%d\n", host.c_str(),
              (*server)->port());
  if ((*server)->health_port() != 0) {
    std::printf("sts_server: plaintext health checks on port %d\n", (*server)->health_port());
  }
  if ((*server)->metrics_port() != 0) {
    std::printf("sts_server: Prometheus metrics (plaintext HTTP, /metrics) on port %d\n",
                (*server)->metrics_port());
  }
  std::fflush(stdout);
  if (const std::string path = absl::GetFlag(FLAGS_port_file); !path.empty()) {
    std::ofstream(path + ".tmp") << (*server)->port() << "\n";
    std::rename((path + ".tmp").c_str(), path.c_str());
  }

  int received = 0;
  sigwait(&signals, &received);
  std::fprintf(stderr, "sts_server: %s received, draining\n",
               received == SIGTERM ? "SIGTERM" : "SIGINT");
  (*server)->Shutdown();
  // From the keyring's own counters: what was erased, and what is left.
  const sts::keyring::Keyring::Stats left = (*server)->keyring().stats();
  std::fprintf(stderr,
               "sts_server: stopped; %llu contexts erased with their keys zeroized; "
               "%llu records and %llu key slots left\n",
               static_cast<unsigned long long>((*server)->erased_at_shutdown()),
               static_cast<unsigned long long>(left.records),
               static_cast<unsigned long long>(left.key_slots));
  return left.records == 0 && left.key_slots == 0 ? 0 : 1;
}
