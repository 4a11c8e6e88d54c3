// soap_example: the SOAP component of the installed client library
// (libsts-client-soap, find_package(StsClient COMPONENTS soap)), as
// docs/USING.md shows it: the orders service signs and encrypts a SOAP
// envelope under its context, the warehouse verifies and decrypts it as the
// audience, and a tampered envelope is refused. Built by
// tests/consumers/cmake against the installed packages.
//
//   soap_example STS_ADDRESS PKI_DIR     (PKI_DIR as orders_example's)
#include <iostream>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_replace.h"
#include "client/channel.h"
#include "client/context/security_context.h"
#include "client/context/sts_api.h"
#include "client/soap/soap.h"
#include "client/sts_client.h"
#include "client/verifier/verifier.h"
#include "client/wire/fault.h"

namespace {

int Fail(const std::string& step, const absl::Status& status) {
  std::cerr << "soap_example: " << step << ": " << status.message() << " (fault "
            << sts::wire::FaultNameOf(status) << ")\n";
  return 1;
}

absl::StatusOr<std::shared_ptr<sts::context::StsApi>> StsAs(const std::string& address,
                                                            const std::string& pki,
                                                            const std::string& who) {
  sts::ChannelOptions options;
  options.address = address;
  options.ca_file = pki + "/ca.pem";
  options.cert_file = pki + "/" + who + ".pem";
  options.key_file = pki + "/" + who + ".key";
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = sts::MakeMutualTlsChannel(options);
  if (!channel.ok()) return channel.status();
  return sts::context::StsApi::FromClient(std::make_shared<sts::StsClient>(*channel));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: soap_example STS_ADDRESS PKI_DIR\n";
    return 1;
  }
  absl::StatusOr<std::shared_ptr<sts::context::StsApi>> orders = StsAs(argv[1], argv[2], "client");
  if (!orders.ok()) return Fail("channel to the STS", orders.status());
  sts::v1::IssueRequest request;
  request.set_applies_to("spiffe://sts.dev/relying-party");
  absl::StatusOr<std::unique_ptr<sts::context::SecurityContext>> issued =
      sts::context::SecurityContext::Issue(*orders, request);
  if (!issued.ok()) return Fail("issue", issued.status());
  std::shared_ptr<sts::context::SecurityContext> context = *std::move(issued);

  const std::string envelope =
      R"(<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">)"
      R"(<soap:Body><m:Order xmlns:m="urn:example:orders"><m:Item>widget</m:Item></m:Order>)"
      R"(</soap:Body></soap:Envelope>)";
  absl::StatusOr<std::string> signed_envelope = sts::soap::Sign(envelope, *context);
  if (!signed_envelope.ok()) return Fail("sign", signed_envelope.status());
  absl::StatusOr<std::string> sent = sts::soap::Encrypt(*signed_envelope, *context);
  if (!sent.ok()) return Fail("encrypt", sent.status());

  absl::StatusOr<std::shared_ptr<sts::context::StsApi>> warehouse =
      StsAs(argv[1], argv[2], "relying-party");
  if (!warehouse.ok()) return Fail("the warehouse's channel to the STS", warehouse.status());
  auto verifier = std::make_shared<sts::verifier::Verifier>(*warehouse);
  sts::soap::Receiver receiver(sts::soap::RelyingPartyResolver(verifier));
  absl::StatusOr<sts::soap::Received> received = receiver.Verify(*sent);
  if (!received.ok()) return Fail("verify as the audience", received.status());
  if (received->body.find("widget") == std::string::npos) {
    std::cerr << "soap_example: the verified body lacks the order: " << received->body << "\n";
    return 1;
  }
  std::cout << "the warehouse verified and decrypted the order from "
            << received->context->principal << "\n";

  // The signed (not encrypted) envelope with its order changed.
  const std::string tampered = absl::StrReplaceAll(*signed_envelope, {{">widget<", ">gadget<"}});
  if (tampered == *signed_envelope) {
    std::cerr << "soap_example: the signed envelope does not hold the order in clear\n";
    return 1;
  }
  absl::StatusOr<sts::soap::Received> refused = receiver.Verify(tampered);
  if (refused.ok()) {
    std::cerr << "soap_example: a tampered envelope verified\n";
    return 1;
  }
  std::cout << "a tampered envelope is refused: " << sts::wire::FaultNameOf(refused.status())
            << "\n";
  std::cout << "soap_example: OK\n";
  return 0;
}
