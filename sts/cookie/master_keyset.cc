#include "sts/cookie/master_keyset.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "client/crypto/bytes.h"
#include "client/crypto/constant_time.h"
#include "client/crypto/random.h"
#include "client/crypto/secret_bytes.h"
#include "client/files.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/text_format.h"

namespace sts::cookie {
namespace {

// Wipes the secrets a parsed keyset proto holds once they are not needed.
void WipeSecrets(MasterKeysetFile* proto) {
  for (MasterKeyEntry& key : *proto->mutable_key()) {
    std::string* secret = key.mutable_secret_hex();
    if (!secret->empty()) crypto::SecureZero(secret->data(), secret->size());
  }
}

// The text parser's complaints quote the text they stumble on ("Expected
// string, got: <token>"), which in a keyset file can be key hex; without a
// collector it logs them to stderr. Only the first position is kept.
class PositionOnly final : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (line_ < 0) {
      line_ = line;
      column_ = column;
    }
  }
  int line() const { return line_ + 1; }
  int column() const { return column_ + 1; }

 private:
  int line_ = -1;
  int column_ = -1;
};

bool IsHex(const std::string& s) {
  return !s.empty() && s.size() % 2 == 0 &&
         s.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const MasterKeyset>> MasterKeyset::FromProto(
    const MasterKeysetFile& proto) {
  std::shared_ptr<MasterKeyset> keyset(new MasterKeyset());
  for (const MasterKeyEntry& key : proto.key()) {
    if (key.id() == 0) return absl::InvalidArgumentError("master keyset: key id 0 is not allowed");
    if (keyset->keys_.count(key.id()) > 0) {
      return absl::InvalidArgumentError(absl::StrCat("master keyset: key id ", key.id(), " appears twice"));
    }
    if (!IsHex(key.secret_hex()) || key.secret_hex().size() != 2 * kMasterKeyBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "master keyset: key ", key.id(), " must be ", kMasterKeyBytes, " bytes of hex"));
    }
    std::string raw = absl::HexStringToBytes(key.secret_hex());
    absl::StatusOr<crypto::AesGcmKey> aead = crypto::AesGcmKey::Create(crypto::AsBytes(raw));
    crypto::SecureZero(raw.data(), raw.size());
    if (!aead.ok()) return aead.status();
    keyset->keys_[key.id()] = std::make_unique<crypto::AesGcmKey>(*std::move(aead));
  }
  if (keyset->keys_.empty()) return absl::InvalidArgumentError("master keyset: no keys");
  if (keyset->keys_.count(proto.primary_key_id()) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "master keyset: primary_key_id ", proto.primary_key_id(), " is not among the keys"));
  }
  keyset->primary_id_ = proto.primary_key_id();
  for (const MasterKeyEntry& key : proto.key()) {
    if (key.id() == proto.primary_key_id() && key.created_unix_seconds() > 0) {
      keyset->primary_created_ = absl::FromUnixSeconds(key.created_unix_seconds());
    }
  }
  return std::shared_ptr<const MasterKeyset>(std::move(keyset));
}

absl::StatusOr<std::shared_ptr<const MasterKeyset>> MasterKeyset::Load(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat("cannot read master keyset ", path));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        "master keyset ", path, " is readable by others; chmod 600 it"));
  }
  absl::StatusOr<MasterKeysetFile> proto = ReadKeysetFile(path);
  if (!proto.ok()) return proto.status();
  absl::StatusOr<std::shared_ptr<const MasterKeyset>> keyset = FromProto(*proto);
  WipeSecrets(&*proto);
  if (!keyset.ok()) {
    return absl::Status(keyset.status().code(), absl::StrCat(path, ": ", keyset.status().message()));
  }
  return keyset;
}

const crypto::AesGcmKey* MasterKeyset::Find(uint32_t id) const {
  auto it = keys_.find(id);
  return it == keys_.end() ? nullptr : it->second.get();
}

absl::StatusOr<MasterKeysetFile> ReadKeysetFile(const std::string& path) {
  // Read and parsed in place from wiped storage: no copy of the file's text
  // is left in freed memory (what protobuf's parser keeps of a token while it
  // parses is beyond our reach; it is the hex of one key at a time).
  absl::StatusOr<crypto::SecretBytes> content = ReadSecretFile(path);
  if (!content.ok()) return absl::NotFoundError(absl::StrCat("cannot read master keyset ", path));
  MasterKeysetFile proto;
  google::protobuf::io::ArrayInputStream stream(content->data(),
                                                static_cast<int>(content->size()));
  google::protobuf::TextFormat::Parser parser;
  PositionOnly errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.Parse(&stream, &proto)) {
    WipeSecrets(&proto);
    return absl::InvalidArgumentError(absl::StrCat(path, " is not a MasterKeyset text proto (line ",
                                                   errors.line(), ", column ", errors.column(),
                                                   ")"));
  }
  return proto;
}

absl::Status WriteKeysetFile(const std::string& path, const MasterKeysetFile& keyset) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(keyset, &text);
  text = "# Master keyset of sts stateless contexts. Secret: keep 0600. Edit with sts_keyset.\n" + text;
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    crypto::SecureZero(text.data(), text.size());
    return absl::PermissionDeniedError(absl::StrCat("cannot write ", tmp, ": ", std::strerror(errno)));
  }
  ::fchmod(fd, 0600);
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  crypto::SecureZero(text.data(), text.size());
  ::fsync(fd);
  ::close(fd);
  if (!written || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return absl::InternalError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> AddRandomKey(MasterKeysetFile* keyset, absl::Time now) {
  uint32_t id = 0;
  for (const MasterKeyEntry& key : keyset->key()) id = std::max(id, key.id());
  ++id;
  absl::StatusOr<crypto::SecretBytes> secret = crypto::RandomSecret(kMasterKeyBytes);
  if (!secret.ok()) return secret.status();
  MasterKeyEntry* key = keyset->add_key();
  key->set_id(id);
  key->set_created_unix_seconds(absl::ToUnixSeconds(now));
  // Hex written in place, so no temporary copy of the secret is left behind.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string* hex = key->mutable_secret_hex();
  hex->resize(2 * secret->size());
  for (size_t i = 0; i < secret->size(); ++i) {
    (*hex)[2 * i] = kHex[secret->data()[i] >> 4];
    (*hex)[2 * i + 1] = kHex[secret->data()[i] & 0xf];
  }
  if (keyset->primary_key_id() == 0) keyset->set_primary_key_id(id);
  return id;
}

}  // namespace sts::cookie
