#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>
#include <climits>

#include "absl/strings/str_cat.h"
#include "client/crypto/tls_session.h"

namespace sts::crypto {
namespace {

// The oldest error OpenSSL queued on this thread, and the queue emptied: a
// stale entry would be misread by the next OpenSSL user here (gRPC's TLS).
std::string TakeError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no detail";
  std::array<char, 256> text{};
  ERR_error_string_n(code, text.data(), text.size());
  return text.data();
}

SSL_CTX* Ctx(void* ctx) { return static_cast<SSL_CTX*>(ctx); }

bool IsAddress(const std::string& name) {
  unsigned char buf[16];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const TlsClientContext>> TlsClientContext::Create(
    const TlsClientFiles& files) {
  if (files.ca_file.empty()) {
    return absl::InvalidArgumentError("TLS: a CA file is required (the peer is always verified)");
  }
  if (files.cert_file.empty() != files.key_file.empty()) {
    return absl::InvalidArgumentError("TLS: a client certificate needs its key (both or neither)");
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return absl::InternalError(absl::StrCat("TLS: ", TakeError()));
  std::shared_ptr<const TlsClientContext> out(new TlsClientContext(ctx));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(ctx, files.ca_file.c_str(), nullptr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("TLS: cannot load CA file ", files.ca_file, ": ", TakeError()));
  }
  if (!files.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, files.cert_file.c_str()) != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("TLS: cannot load certificate ", files.cert_file, ": ", TakeError()));
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, files.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "TLS: cannot use key ", files.key_file, " with ", files.cert_file, ": ", TakeError()));
    }
  }
  return out;
}

TlsClientContext::~TlsClientContext() { SSL_CTX_free(Ctx(ctx_)); }

struct TlsSession::Impl {
  std::shared_ptr<const TlsClientContext> context;
  ByteChannel* channel = nullptr;
  SSL* ssl = nullptr;
  BIO* in = nullptr;   // bytes from the peer, owned by ssl
  BIO* out = nullptr;  // bytes for the peer, owned by ssl

  ~Impl() { SSL_free(ssl); }

  // Sends whatever the library has written for the peer.
  absl::Status Flush(absl::Time deadline) {
    std::array<uint8_t, 16 * 1024> buffer;
    while (BIO_ctrl_pending(out) > 0) {
      const int n = BIO_read(out, buffer.data(), static_cast<int>(buffer.size()));
      if (n <= 0) break;
      if (absl::Status s = channel->SendAll({buffer.data(), static_cast<size_t>(n)}, deadline);
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }

  // Gives the library what the peer sent next; false once the peer closed.
  absl::StatusOr<bool> Fill(absl::Time deadline) {
    std::array<uint8_t, 16 * 1024> buffer;
    absl::StatusOr<size_t> n = channel->Receive(absl::MakeSpan(buffer), deadline);
    if (!n.ok()) return n.status();
    if (*n == 0) return false;
    BIO_write(in, buffer.data(), static_cast<int>(*n));
    return true;
  }

  // Runs `step` until it succeeds, moving bytes as it asks. Returns its
  // result (> 0), or 0 when the peer closed the session or the connection
  // under it.
  template <class Step>
  absl::StatusOr<int> Drive(Step step, absl::Time deadline) {
    while (true) {
      ERR_clear_error();
      const int result = step();
      const int error = result > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl, result);
      // Whatever the outcome, the peer may be owed bytes (an alert included).
      const absl::Status flushed = Flush(deadline);
      if (error == SSL_ERROR_NONE) {
        if (!flushed.ok()) return flushed;
        return result;
      }
      if (error == SSL_ERROR_ZERO_RETURN) return 0;
      if (!flushed.ok()) return flushed;
      if (error == SSL_ERROR_WANT_READ) {
        absl::StatusOr<bool> filled = Fill(deadline);
        if (!filled.ok()) return filled.status();
        if (!*filled) return 0;
        continue;
      }
      if (error == SSL_ERROR_WANT_WRITE) continue;  // memory BIOs: flushed above
      const long verify = SSL_get_verify_result(ssl);
      if (verify != X509_V_OK) {
        ERR_clear_error();
        return absl::UnavailableError(absl::StrCat("TLS: certificate verify failed: ",
                                                   X509_verify_cert_error_string(verify)));
      }
      return absl::UnavailableError(absl::StrCat("TLS: ", TakeError()));
    }
  }
};

TlsSession::TlsSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsSession::~TlsSession() = default;

absl::StatusOr<std::unique_ptr<TlsSession>> TlsSession::Handshake(
    std::shared_ptr<const TlsClientContext> context, ByteChannel* channel,
    const std::string& server_name, absl::Time deadline) {
  if (server_name.empty()) return absl::InvalidArgumentError("TLS: a server name is required");
  auto impl = std::make_unique<Impl>();
  impl->context = std::move(context);
  impl->channel = channel;
  impl->ssl = SSL_new(Ctx(impl->context->ctx_));
  impl->in = BIO_new(BIO_s_mem());
  impl->out = BIO_new(BIO_s_mem());
  if (impl->ssl == nullptr || impl->in == nullptr || impl->out == nullptr) {
    BIO_free(impl->in);
    BIO_free(impl->out);
    return absl::InternalError(absl::StrCat("TLS: ", TakeError()));
  }
  // An empty input BIO means "wait for more", never end of stream.
  BIO_set_mem_eof_return(impl->in, -1);
  SSL_set_bio(impl->ssl, impl->in, impl->out);
  X509_VERIFY_PARAM* param = SSL_get0_param(impl->ssl);
  if (IsAddress(server_name)) {
    if (X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str()) != 1) {
      return absl::InvalidArgumentError(absl::StrCat("TLS: bad address ", server_name));
    }
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), server_name.size()) != 1 ||
        SSL_set_tlsext_host_name(impl->ssl, server_name.c_str()) != 1) {
      ERR_clear_error();
      return absl::InvalidArgumentError(absl::StrCat("TLS: bad server name ", server_name));
    }
  }
  SSL_set_connect_state(impl->ssl);
  SSL* ssl = impl->ssl;
  absl::StatusOr<int> done = impl->Drive([ssl] { return SSL_do_handshake(ssl); }, deadline);
  if (!done.ok()) return done.status();
  if (*done == 0) return absl::UnavailableError("TLS: the peer closed the handshake");
  return std::unique_ptr<TlsSession>(new TlsSession(std::move(impl)));
}

absl::Status TlsSession::Write(absl::Span<const uint8_t> bytes, absl::Time deadline) {
  SSL* ssl = impl_->ssl;
  while (!bytes.empty()) {
    const int n = static_cast<int>(std::min<size_t>(bytes.size(), INT_MAX));
    absl::StatusOr<int> written =
        impl_->Drive([ssl, &bytes, n] { return SSL_write(ssl, bytes.data(), n); }, deadline);
    if (!written.ok()) return written.status();
    if (*written == 0) return absl::UnavailableError("TLS: the peer closed the connection");
    bytes.remove_prefix(static_cast<size_t>(*written));
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> TlsSession::Read(absl::Span<uint8_t> buffer, absl::Time deadline) {
  SSL* ssl = impl_->ssl;
  const int n = static_cast<int>(std::min<size_t>(buffer.size(), INT_MAX));
  absl::StatusOr<int> read =
      impl_->Drive([ssl, &buffer, n] { return SSL_read(ssl, buffer.data(), n); }, deadline);
  if (!read.ok()) return read.status();
  return static_cast<size_t>(*read);
}

}  // namespace sts::crypto
