#include "client/stsctl/io.h"

#include <fstream>
#include <iostream>
#include <iterator>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/files.h"
#include "client/wire/fault.h"
#include "client/wire/time.h"

namespace sts::stsctl {

int Fail(const Env& env, const absl::Status& status) {
  const std::string fault = wire::FaultNameOf(status);
  env.err << "stsctl: " << status.message() << "\n";
  if (!fault.empty() && status.message().find(fault) == absl::string_view::npos) {
    env.err << "stsctl: fault " << fault << "\n";
  }
  return 1;
}

absl::StatusOr<std::string> ReadInput(const Env& env) {
  const std::string path = env.args.Get("in", "-");
  if (path == "-") {
    return std::string((std::istreambuf_iterator<char>(env.in)), std::istreambuf_iterator<char>());
  }
  return ReadFile(path);
}

absl::Status WriteOutput(const Env& env, absl::string_view data) {
  const std::string path = env.args.Get("out", "-");
  if (path == "-") {
    env.out.write(data.data(), static_cast<std::streamsize>(data.size()));
    env.out.flush();
    return env.out ? absl::OkStatus() : absl::InternalError("cannot write standard output");
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  return out ? absl::OkStatus() : absl::InternalError(absl::StrCat("cannot write ", path));
}

std::string FormatTimestamp(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", wire::TimeOf(t), absl::UTCTimeZone());
}

std::string Hex(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

}  // namespace sts::stsctl
