// keyring_memory: resident memory per live security context. Inserts
// --tokens contexts (CSPRNG identifiers, 256-bit keys, one-hour lifetimes,
// principals and audiences drawn from a few dozen realistic SPIFFE IDs) into
// a sts::keyring::Keyring and reports the growth of this process's resident
// set (VmRSS), divided by the number of contexts. The keyring's own secure
// slabs and the heap (its hash maps) are reported apart, to show where the
// bytes go.
//
//   keyring_memory --tokens=1000000 --json_out=memory.json
#include <malloc.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/crypto/random.h"
#include "sts/keyring/keyring.h"
#include "sts/token/token_id.h"

ABSL_FLAG(int64_t, tokens, 1'000'000, "live contexts to insert");
ABSL_FLAG(int, principals, 40, "distinct principals (and audiences)");
ABSL_FLAG(std::string, json_out, "", "write the result here as JSON");

namespace {

int64_t RssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return -1;
}

int64_t HeapInUse() { return static_cast<int64_t>(mallinfo2().uordblks); }

int Fail(const std::string& message) {
  std::fprintf(stderr, "keyring_memory: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Resident memory per live context in the keyring.");
  absl::ParseCommandLine(argc, argv);
  const int64_t tokens = absl::GetFlag(FLAGS_tokens);
  const int principal_count = std::max(1, absl::GetFlag(FLAGS_principals));

  std::vector<std::string> principals, audiences;
  for (int i = 0; i < principal_count; ++i) {
    principals.push_back(
        absl::StrCat("spiffe://prod.example.org/ns/team-", i % 8, "/sa/frontend-service-", i));
    audiences.push_back(
        absl::StrCat("spiffe://prod.example.org/ns/api-", i % 5, "/sa/backend-service-", i));
  }
  // Warm what the loop below touches, so only the keyring's growth is seen.
  absl::StatusOr<sts::crypto::SecretBytes> warm_key = sts::crypto::RandomSecret(32);
  if (!warm_key.ok()) return Fail("random source failed");
  (void)sts::token::TokenId::Generate();

  sts::keyring::Keyring::Limits limits;
  limits.max_live_tokens = static_cast<uint64_t>(tokens) + 1;
  limits.max_live_per_principal = static_cast<uint32_t>(tokens + 1);
  const int64_t rss_before = RssBytes();
  const int64_t heap_before = HeapInUse();
  int64_t rss_after = 0, heap_after = 0;
  sts::keyring::Keyring::Stats stats;
  double seconds = 0;
  {
    sts::keyring::Keyring ring(limits);
    const absl::Time now = absl::Now();
    sts::token::TokenTimeline timeline;
    timeline.created = now;
    timeline.expires = now + absl::Hours(1);
    timeline.key_until = timeline.expires;
    timeline.forget_after = timeline.expires + absl::Minutes(10);
    uint8_t key[32];
    const absl::Time start = absl::Now();
    for (int64_t n = 0; n < tokens; ++n) {
      absl::StatusOr<sts::token::TokenId> id = sts::token::TokenId::Generate();
      if (!id.ok() || !sts::crypto::RandomFill(absl::MakeSpan(key)).ok()) {
        return Fail("random source failed");
      }
      const size_t who = static_cast<size_t>(n) % principals.size();
      const size_t audience = static_cast<size_t>(n * 7 + n / 1000) % audiences.size();
      if (absl::Status s = ring.Insert(*id, principals[who], audiences[audience], 1, key,
                                       timeline);
          !s.ok()) {
        return Fail(absl::StrCat("insert ", n, ": ", s.ToString()));
      }
      if (n > 0 && n % 250'000 == 0) {
        std::fprintf(stderr, "keyring_memory: %" PRId64 " contexts, RSS +%.1f MB\n", n,
                     static_cast<double>(RssBytes() - rss_before) / 1e6);
      }
    }
    seconds = absl::ToDoubleSeconds(absl::Now() - start);
    rss_after = RssBytes();
    heap_after = HeapInUse();
    stats = ring.stats();
  }

  const double n = static_cast<double>(std::max<int64_t>(tokens, 1));
  const double per_token = static_cast<double>(rss_after - rss_before) / n;
  const double pool_per_token = static_cast<double>(stats.pool_bytes) / n;
  const double heap_per_token = static_cast<double>(heap_after - heap_before) / n;
  std::fprintf(stderr,
               "keyring_memory: %" PRId64 " live contexts: RSS +%.1f MB = %.1f bytes per context "
               "(secure slabs %.1f, heap %.1f); inserted in %.2f s\n",
               tokens, static_cast<double>(rss_after - rss_before) / 1e6, per_token,
               pool_per_token, heap_per_token, seconds);
  if (const std::string path = absl::GetFlag(FLAGS_json_out); !path.empty()) {
    std::ofstream out(path);
    out << "{\n"
        << "  \"tokens\": " << tokens << ",\n"
        << "  \"live\": " << stats.live << ",\n"
        << "  \"principals\": " << principal_count << ",\n"
        << "  \"rss_before_bytes\": " << rss_before << ",\n"
        << "  \"rss_after_bytes\": " << rss_after << ",\n"
        << "  \"rss_bytes_per_token\": " << per_token << ",\n"
        << "  \"pool_bytes_per_token\": " << pool_per_token << ",\n"
        << "  \"heap_bytes_per_token\": " << heap_per_token << ",\n"
        << "  \"insert_seconds\": " << seconds << "\n"
        << "}\n";
    if (!out) return Fail("cannot write " + path);
  }
  return 0;
}
