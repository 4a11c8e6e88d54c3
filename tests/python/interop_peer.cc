// The C++ side of the cross-language tests (python_cpp_interop_test.py): the
// C++ client library, driven one line at a time over stdin/stdout so that the
// Python test can pass messages both ways. Binary values travel in base64.
//
//   interop_peer holder   --sts=ADDR --ca=PEM --cert=PEM --key=PEM --applies_to=URI
//                         [--entropy] [--psha1 [--generation=N] [--label=TEXT]]
//       A SecurityContext issued at the STS (manual renewal). Commands:
//         token                      ok IDENTIFIER INSTANCE
//         sign|seal AD PAYLOAD       ok MESSAGE                (client-to-server)
//         verify AD MESSAGE          ok                        (an answer)
//         open AD MESSAGE            ok PLAINTEXT
//         renew                      ok INSTANCE
//         cancel                     ok
//         call TARGET ACCOUNT AMOUNT ok BALANCE RECORDED_BY    (CreateProtectedChannel)
//         tampered_call TARGET       the MAC of one request sent with another
//         unprotected_call TARGET    a plain call
//   interop_peer verifier --sts=... --ca --cert --key [--accept_psha1]   (the audience)
//       A Verifier (opted in to P_SHA1 derived keys with --accept_psha1). Commands:
//         verify AD MESSAGE          ok IDENTIFIER PRINCIPAL
//         open AD MESSAGE            ok PLAINTEXT PRINCIPAL
//         sign|seal TOKEN AD PAYLOAD ok MESSAGE                (server-to-client)
//         stats                      ok VALIDATIONS HITS
//   interop_peer server   --sts=... --ca --cert --key --server_cert=PEM --server_key=PEM
//       interop.v1.Ledger behind ProtectService with a Verifier; prints
//       "port N", then answers `handled` with "ok N" (handler runs so far).
//   interop_peer proof
//       mac KEY_HEX METHOD IDENTIFIER INSTANCE SECONDS NANOS NONCE_HEX DIGEST_HEX
//                                    ok MAC_HEX   (wire::CanonicalProofInput)
//       check renew|cancel KEY_HEX REQUEST       ok true|false (wire::ProofMacMatches)
//
// A refusal answers "refused CODE FAULT" (CODE the numeric gRPC code, FAULT
// "-" when none). The process ends at end of input.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/channel.h"
#include "client/files.h"
#include "client/context/security_context.h"
#include "client/context/sts_api.h"
#include "client/crypto/bytes.h"
#include "client/crypto/hmac.h"
#include "client/grpc/client_interceptor.h"
#include "client/grpc/protected_service.h"
#include "client/sts_client.h"
#include "client/verifier/verifier.h"
#include "client/wire/fault.h"
#include "client/wire/grpc_status.h"
#include "client/wire/proof.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "interop/v1/ledger.grpc.pb.h"

namespace sts::interop {
namespace {

using Words = std::vector<std::string>;

struct Flags {
  std::map<std::string, std::string> values;
  std::string Get(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() ? "" : it->second;
  }
  bool Has(const std::string& name) const { return values.count(name) > 0; }
};

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) continue;
    const size_t eq = arg.find('=');
    flags.values[arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2)] =
        eq == std::string::npos ? "" : arg.substr(eq + 1);
  }
  return flags;
}

std::string B64(absl::string_view bytes) { return absl::Base64Escape(bytes); }

std::string Unb64(absl::string_view text) {
  std::string out;
  absl::Base64Unescape(text, &out);
  return out;
}

std::string Refused(const absl::Status& status) {
  const std::string fault = wire::FaultNameOf(status);
  return absl::StrCat("refused ", static_cast<int>(status.code()), " ",
                      fault.empty() ? "-" : fault);
}

std::string Serialized(const google::protobuf::MessageLite& message) {
  return B64(message.SerializeAsString());
}

absl::StatusOr<std::shared_ptr<context::StsApi>> StsFrom(const Flags& flags) {
  ChannelOptions options;
  options.address = flags.Get("sts");
  options.ca_file = flags.Get("ca");
  options.cert_file = flags.Get("cert");
  options.key_file = flags.Get("key");
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeMutualTlsChannel(options);
  if (!channel.ok()) return channel.status();
  return context::StsApi::FromClient(std::make_shared<StsClient>(*channel));
}

// The line loop: one answer per command, flushed at once.
template <class Handler>
int Serve(Handler handle) {
  std::string line;
  while (std::getline(std::cin, line)) {
    const Words words = absl::StrSplit(line, ' ');
    std::cout << handle(words) << std::endl;
  }
  return 0;
}

class Holder {
 public:
  static absl::StatusOr<std::unique_ptr<Holder>> Start(const Flags& flags) {
    absl::StatusOr<std::shared_ptr<context::StsApi>> sts = StsFrom(flags);
    if (!sts.ok()) return sts.status();
    context::SecurityContextOptions options;
    options.renewal = context::RenewalMode::kManual;
    options.use_entropy = flags.Has("entropy");
    if (flags.Has("psha1")) {
      options.derivation.algorithm = protect::DerivationOptions::Algorithm::kPSha1;
      options.derivation.label = flags.Get("label");
      uint64_t generation = 0;
      if (flags.Has("generation") && absl::SimpleAtoi(flags.Get("generation"), &generation)) {
        options.derivation.generation = generation;
      }
    }
    sts::v1::IssueRequest request;
    request.set_applies_to(flags.Get("applies_to"));
    absl::StatusOr<std::unique_ptr<context::SecurityContext>> context =
        context::SecurityContext::Issue(*sts, request, options);
    if (!context.ok()) return context.status();
    auto holder = std::make_unique<Holder>();
    holder->context_ = *std::move(context);
    absl::StatusOr<std::string> ca = ReadFile(flags.Get("ca"));
    if (!ca.ok()) return ca.status();
    holder->ca_ = *std::move(ca);
    return holder;
  }

  std::string Handle(const Words& w) {
    const std::string& op = w[0];
    if (op == "token") {
      const sts::v1::SecurityContextToken token = context_->token();
      return absl::StrCat("ok ", token.identifier(), " ", token.instance());
    }
    if ((op == "sign" || op == "seal") && w.size() == 3) {
      absl::StatusOr<sts::v1::ProtectedMessage> m =
          op == "sign" ? context_->Sign(Unb64(w[2]), Unb64(w[1]))
                       : context_->Seal(Unb64(w[2]), Unb64(w[1]));
      return m.ok() ? "ok " + Serialized(*m) : Refused(m.status());
    }
    if ((op == "verify" || op == "open") && w.size() == 3) {
      sts::v1::ProtectedMessage m;
      if (!m.ParseFromString(Unb64(w[2]))) return "refused 3 wst:InvalidRequest";
      if (op == "verify") {
        absl::Status s = context_->Verify(m, Unb64(w[1]));
        return s.ok() ? "ok" : Refused(s);
      }
      absl::StatusOr<std::string> plain = context_->Open(m, Unb64(w[1]));
      return plain.ok() ? "ok " + B64(*plain) : Refused(plain.status());
    }
    if (op == "renew") {
      absl::Status s = context_->RenewNow();
      return s.ok() ? "ok " + context_->token().instance() : Refused(s);
    }
    if (op == "cancel") {
      absl::Status s = context_->Cancel();
      return s.ok() ? "ok" : Refused(s);
    }
    int64_t amount = 0;
    if (op == "call" && w.size() == 4 && absl::SimpleAtoi(w[3], &amount)) {
      return Call(w[1], w[2], amount);
    }
    if ((op == "tampered_call" || op == "unprotected_call") && w.size() == 2) {
      return PlainCall(w[1], op == "tampered_call");
    }
    return "error unknown command";
  }

 private:
  static ::interop::v1::RecordRequest Request(const std::string& account, int64_t amount) {
    ::interop::v1::RecordRequest request;
    request.set_account(account);
    request.set_amount(amount);
    (*request.mutable_tags())["source"] = "c++";
    (*request.mutable_tags())["batch"] = "7";
    (*request.mutable_tags())["a-first"] = "sorted";
    request.add_notes("one");
    request.add_notes("two");
    return request;
  }

  std::shared_ptr<grpc::ChannelCredentials> Tls() const {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = ca_;
    return grpc::SslCredentials(tls);
  }

  static std::string Answer(const grpc::Status& status, const ::interop::v1::RecordReply& reply) {
    if (!status.ok()) return Refused(wire::FromGrpcStatus(status));
    return absl::StrCat("ok ", reply.balance(), " ", B64(reply.recorded_by()));
  }

  std::string Call(const std::string& target, const std::string& account, int64_t amount) {
    auto& channel = protected_channels_[target];
    if (channel == nullptr) {
      channel = grpc_protect::CreateProtectedChannel(target, Tls(), grpc::ChannelArguments(),
                                                     context_);
    }
    auto stub = ::interop::v1::Ledger::NewStub(channel);
    grpc::ClientContext call;
    call.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    ::interop::v1::RecordReply reply;
    return Answer(stub->Record(&call, Request(account, amount), &reply), reply);
  }

  // Without the interceptor. Tampered: the metadata carries the MAC of a
  // request for 1 while the request sent asks for 1000000.
  std::string PlainCall(const std::string& target, bool tampered) {
    auto stub = ::interop::v1::Ledger::NewStub(grpc::CreateChannel(target, Tls()));
    grpc::ClientContext call;
    call.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (tampered) {
      std::string signed_bytes;
      {
        google::protobuf::io::StringOutputStream stream(&signed_bytes);
        google::protobuf::io::CodedOutputStream coded(&stream);
        coded.SetSerializationDeterministic(true);
        Request("tampered", 1).SerializeToCodedStream(&coded);
      }
      absl::StatusOr<sts::v1::ProtectedMessage> m =
          context_->Sign(signed_bytes, "/interop.v1.Ledger/Record");
      if (!m.ok()) return Refused(m.status());
      // The metadata of docs/PROTECTED_MESSAGE.md section 6, written by hand.
      call.AddMetadata("sts-context", m->token().identifier());
      call.AddMetadata("sts-instance", m->token().instance());
      call.AddMetadata("sts-seq", absl::StrCat(m->sequence()));
      call.AddMetadata("sts-created", absl::StrCat(m->created_unix_nanos()));
      call.AddMetadata("sts-mac-bin", m->tag());
      call.AddMetadata("sts-receiver", m->receiver());
    }
    ::interop::v1::RecordReply reply;
    return Answer(stub->Record(&call, Request("tampered", 1000000), &reply), reply);
  }

  std::shared_ptr<context::SecurityContext> context_;
  std::string ca_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> protected_channels_;
};

std::string HandleVerifier(verifier::Verifier& verifier, const Words& w) {
  const std::string& op = w[0];
  if ((op == "verify" || op == "open") && w.size() == 3) {
    sts::v1::ProtectedMessage m;
    if (!m.ParseFromString(Unb64(w[2]))) return "refused 3 wst:InvalidRequest";
    if (op == "verify") {
      absl::StatusOr<std::shared_ptr<const protect::ContextInfo>> who = verifier.Verify(m, Unb64(w[1]));
      if (!who.ok()) return Refused(who.status());
      return absl::StrCat("ok ", (*who)->identifier, " ", B64((*who)->principal));
    }
    std::string plaintext;
    absl::StatusOr<std::shared_ptr<const protect::ContextInfo>> who =
        verifier.Open(m, Unb64(w[1]), &plaintext);
    if (!who.ok()) return Refused(who.status());
    return absl::StrCat("ok ", B64(plaintext), " ", B64((*who)->principal));
  }
  if ((op == "sign" || op == "seal") && w.size() == 4) {
    sts::v1::SecurityContextToken token;
    if (!token.ParseFromString(Unb64(w[1]))) return "refused 3 wst:InvalidRequest";
    absl::StatusOr<sts::v1::ProtectedMessage> m =
        op == "sign" ? verifier.Sign(token, Unb64(w[3]), Unb64(w[2]))
                     : verifier.Seal(token, Unb64(w[3]), Unb64(w[2]));
    return m.ok() ? "ok " + Serialized(*m) : Refused(m.status());
  }
  if (op == "stats") {
    const verifier::VerifierStats s = verifier.stats();
    return absl::StrCat("ok ", s.validations, " ", s.hits);
  }
  return "error unknown command";
}

class LedgerService final : public ::interop::v1::Ledger::Service {
 public:
  grpc::Status Record(grpc::ServerContext* context, const ::interop::v1::RecordRequest* request,
                      ::interop::v1::RecordReply* reply) override {
    const protect::ContextInfo* caller = grpc_protect::CurrentCaller();
    std::lock_guard<std::mutex> lock(mu_);
    ++handled_;
    int64_t& balance = balances_[request->account()];
    balance += request->amount();
    reply->set_account(request->account());
    reply->set_balance(balance);
    reply->set_recorded_by(caller != nullptr ? caller->principal : "");
    return grpc::Status::OK;
  }

  int handled() {
    std::lock_guard<std::mutex> lock(mu_);
    return handled_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, int64_t> balances_;
  int handled_ = 0;
};

int RunServer(const Flags& flags) {
  absl::StatusOr<std::shared_ptr<context::StsApi>> sts = StsFrom(flags);
  absl::StatusOr<std::string> key = ReadFile(flags.Get("server_key"));
  absl::StatusOr<std::string> cert = ReadFile(flags.Get("server_cert"));
  if (!sts.ok() || !key.ok() || !cert.ok()) {
    std::cerr << "interop_peer server: cannot start (STS channel or server certificate)\n";
    return 1;
  }
  auto verifier = std::make_shared<verifier::Verifier>(*sts);
  LedgerService service;
  absl::StatusOr<std::unique_ptr<grpc::Service>> wrapped = grpc_protect::ProtectService(
      &service, ::interop::v1::Ledger::service_full_name(), verifier);
  if (!wrapped.ok()) {
    std::cerr << wrapped.status() << "\n";
    return 1;
  }
  grpc::SslServerCredentialsOptions tls;
  tls.pem_key_cert_pairs.push_back({*key, *cert});
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(tls), &port);
  builder.RegisterService(wrapped->get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "interop_peer server: could not listen\n";
    return 1;
  }
  std::cout << "port " << port << std::endl;
  Serve([&](const Words& w) -> std::string {
    if (w[0] == "handled") return absl::StrCat("ok ", service.handled());
    return "error unknown command";
  });
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server->Wait();
  return 0;
}

std::string HandleProof(const Words& w) {
  if (w[0] == "mac" && w.size() == 9) {
    int64_t seconds = 0;
    int32_t nanos = 0;
    if (!absl::SimpleAtoi(w[5], &seconds) || !absl::SimpleAtoi(w[6], &nanos)) {
      return "error bad time";
    }
    sts::v1::ProofOfPossession proof;
    proof.set_instance(w[4]);
    proof.mutable_created()->set_seconds(seconds);
    proof.mutable_created()->set_nanos(nanos);
    proof.set_nonce(absl::HexStringToBytes(w[7]));
    const std::string digest_bytes = absl::HexStringToBytes(w[8]);
    wire::Digest digest{};
    if (digest_bytes.size() != digest.size()) return "error bad digest";
    std::copy(digest_bytes.begin(), digest_bytes.end(), digest.begin());
    const std::string key = absl::HexStringToBytes(w[1]);
    absl::StatusOr<crypto::SecretBytes> proof_key = wire::DeriveProofKey(crypto::AsBytes(key));
    if (!proof_key.ok()) return Refused(proof_key.status());
    absl::StatusOr<crypto::HmacSha256Key> mac = crypto::HmacSha256Key::Create(proof_key->span());
    if (!mac.ok()) return Refused(mac.status());
    const std::string input =
        wire::CanonicalProofInput({w[2], w[3], w[4]}, proof, digest);
    const crypto::HmacSha256Tag tag = mac->Sign(crypto::AsBytes(input));
    return "ok " + absl::BytesToHexString(
                       absl::string_view(reinterpret_cast<const char*>(tag.data()), tag.size()));
  }
  if (w[0] == "check" && w.size() == 4) {
    const std::string key = absl::HexStringToBytes(w[2]);
    const std::string bytes = Unb64(w[3]);
    bool matches = false;
    if (w[1] == "renew") {
      sts::v1::RenewRequest request;
      if (!request.ParseFromString(bytes)) return "error bad request";
      const sts::v1::SecurityContextToken& t = request.renew_target();
      matches = wire::ProofMacMatches({wire::kRenewMethod, t.identifier(), request.proof().instance()},
                                      crypto::AsBytes(key), request.proof(),
                                      wire::RequestDigest(request));
    } else {
      sts::v1::CancelRequest request;
      if (!request.ParseFromString(bytes)) return "error bad request";
      const sts::v1::SecurityContextToken& t = request.cancel_target();
      matches = wire::ProofMacMatches({wire::kCancelMethod, t.identifier(), request.proof().instance()},
                                      crypto::AsBytes(key), request.proof(),
                                      wire::RequestDigest(request));
    }
    return matches ? "ok true" : "ok false";
  }
  return "error unknown command";
}

int Main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const Flags flags = ParseFlags(argc, argv);
  if (mode == "holder") {
    absl::StatusOr<std::unique_ptr<Holder>> holder = Holder::Start(flags);
    if (!holder.ok()) {
      std::cout << Refused(holder.status()) << std::endl;
      return 1;
    }
    std::cout << "ready" << std::endl;
    return Serve([&](const Words& w) { return (*holder)->Handle(w); });
  }
  if (mode == "verifier") {
    absl::StatusOr<std::shared_ptr<context::StsApi>> sts = StsFrom(flags);
    if (!sts.ok()) {
      std::cout << Refused(sts.status()) << std::endl;
      return 1;
    }
    verifier::VerifierOptions options;
    options.receiver.accept_psha1 = flags.Has("accept_psha1");
    verifier::Verifier verifier(*sts, options);
    std::cout << "ready" << std::endl;
    return Serve([&](const Words& w) { return HandleVerifier(verifier, w); });
  }
  if (mode == "server") return RunServer(flags);
  if (mode == "proof") {
    std::cout << "ready" << std::endl;
    return Serve(HandleProof);
  }
  std::cerr << "usage: interop_peer holder|verifier|server|proof [--flags] (see the source)\n";
  return 2;
}

}  // namespace
}  // namespace sts::interop

int main(int argc, char** argv) { return sts::interop::Main(argc, argv); }
