// Sanitizer suppressions, compiled in so they apply wherever the binaries
// run (a test, or an sts_server it starts). Every entry is about a library we
// take prebuilt from Debian and cannot rebuild with sanitizers; our own code
// stays fully checked.

#include "absl/time/time.h"

namespace {

// Not a suppression: Abseil's time zones are created lazily in
// function-local statics (cctz's zone-map mutex, the UTC zone), first by
// whichever thread formats a time, often one of gRPC's. Debian's Abseil is
// uninstrumented, so ThreadSanitizer sees that thread's writes (operator new)
// but not the static guard that orders every later reader after them, and
// reports a race in LoadTimeZone (a test, or an sts_server it starts, exits
// 66). The guard is sound; it is not our code racing. Creating both zones
// here, before main and so before any thread, makes every later use ordered
// after their creation (pthread_create is an edge TSan sees), with nothing
// hidden.
[[maybe_unused]] const bool kTimeZonesLoaded = [] {
  (void)absl::FormatTime("%Y", absl::UnixEpoch(), absl::UTCTimeZone());
  (void)absl::LocalTimeZone();
  return true;
}();

}  // namespace

extern "C" {

// LeakSanitizer (--config=asan). Debian's c-ares, gRPC's DNS resolver when a
// client dials "localhost", keeps small allocations from ares_init that gRPC
// never frees before exit: 10 bytes per resolution, no frame of ours.
const char* __lsan_default_suppressions() { return "leak:libcares.so\n"; }

// ThreadSanitizer (--config=tsan). gRPC, protobuf, OpenSSL and Abseil come
// uninstrumented, and they synchronize with their own primitives (gpr and
// absl::Mutex, futex-based) that TSan cannot see. Memory they hand from one
// of their threads to another (call batches, channel args, messages being
// (de)serialized, SSL state) then looks racy, ~1000 reports per e2e test, none
// with a frame of ours but for generated or inline gRPC/protobuf code. So:
// ignore the interceptors (malloc, memcpy, ...) these libraries call (Abseil's
// status/cord/string/time ones included: gRPC builds its errors with them on
// its threads), and any race inside gRPC or protobuf code. Races between our
// threads on our own data (keyring, replay cache, audit log, server state),
// touched by our instrumented code, are still reported.
const char* __tsan_default_suppressions() {
  return "called_from_lib:libgrpc.so\n"
         "called_from_lib:libgrpc++.so\n"
         "called_from_lib:libgpr.so\n"
         "called_from_lib:libprotobuf.so\n"
         "called_from_lib:libcrypto.so\n"
         "called_from_lib:libssl.so\n"
         "called_from_lib:libabsl_synchronization.so\n"
         "called_from_lib:libabsl_graphcycles_internal.so\n"
         "called_from_lib:libabsl_malloc_internal.so\n"
         "called_from_lib:libabsl_status.so\n"
         "called_from_lib:libabsl_statusor.so\n"
         "called_from_lib:libabsl_cord.so\n"
         "called_from_lib:libabsl_cord_internal.so\n"
         "called_from_lib:libabsl_strings.so\n"
         "called_from_lib:libabsl_str_format_internal.so\n"
         "called_from_lib:libabsl_time.so\n"
         "called_from_lib:libcares.so\n"
         "race:^grpc::\n"
         "race:^grpc_core::\n"
         "race:^google::protobuf::\n";
}

}  // extern "C"
