// The SOAP profile (client/soap) beside bare libxmlsec1 on the same ~2 KiB
// envelope, in the same run:
//   BM_Soap_SignVerify       soap::Sign, then a Receiver's Verify (every check:
//                            hardened parse, Ids, structure, timestamp, key
//                            resolution, P_SHA1, xmlsec, replay cache)
//   BM_Bare_SignVerify       libxml2 + xmlsec1 alone: parse a prepared template
//                            (the same Timestamp, DerivedKeyToken and Signature),
//                            register the two Ids, sign, serialise; parse, register,
//                            verify. No derivation, no checks.
//   BM_Soap_EncryptDecrypt   soap::Encrypt (AES-256-CBC), then Receiver::Decrypt
//   BM_Bare_EncryptDecrypt   xmlsec1 alone on the same document (the same SCT,
//                            DerivedKeyToken, ReferenceList and KeyInfo): parse,
//                            encrypt the Body content, serialise; parse,
//                            decrypt, serialise. No derivation, no checks.
// After the run it prints, per pair, throughput as a ratio to bare libxmlsec1
// measured in this run (target >= 0.70x). It never asserts a speed.
// Run: bazel run -c opt //tests/bench:soap_benchmark
#include <libxml/parser.h>
#include <xmlsec/crypto.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlenc.h>
#include <xmlsec/xmltree.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "client/crypto/random.h"
#include "client/protect/derived_key.h"
#include "client/soap/soap.h"
#include "client/soap/wsu_time.h"
#include "client/soap/xml.h"

namespace sts::soap {
// (In sts::soap for brevity; these are benchmarks, not library code.)
namespace {

constexpr char kSoap[] = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr char kWsu[] =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

// A ~2 KiB envelope: WS-Addressing headers and an order of a few items.
std::string Envelope() {
  std::string items;
  for (int i = 0; i < 16; ++i) {
    absl::StrAppend(&items, "<m:Item sku=\"SKU-", 1000 + i, "\" qty=\"", i + 1,
                    "\"><m:Name>Widget model ", i, "</m:Name><m:Price>", 10 + i,
                    ".99</m:Price></m:Item>");
  }
  return absl::StrCat(
      "<soap:Envelope xmlns:soap=\"", kSoap, "\"><soap:Header>"
      "<wsa:To xmlns:wsa=\"http://www.w3.org/2005/08/addressing\">https://orders.example/submit</wsa:To>"
      "<wsa:Action xmlns:wsa=\"http://www.w3.org/2005/08/addressing\">urn:example:orders:Submit</wsa:Action>"
      "<wsa:MessageID xmlns:wsa=\"http://www.w3.org/2005/08/addressing\">urn:uuid:3d5f0a7e-1b2c-4d3e-8f90-a1b2c3d4e5f6</wsa:MessageID>"
      "</soap:Header><soap:Body><m:Order xmlns:m=\"urn:example:orders\">",
      items, "</m:Order></soap:Body></soap:Envelope>");
}

// The holder's context, made from an Issue response without an STS.
std::shared_ptr<context::SecurityContext> Context() {
  static const auto* context = [] {
    sts::v1::RequestSecurityTokenResponse r;
    r.mutable_requested_security_token()->set_identifier(
        "urn:uuid:11111111-2222-4333-8444-555555555555");
    r.mutable_requested_security_token()->set_instance("1");
    crypto::SecretBytes key = *crypto::RandomSecret(32);
    r.mutable_requested_proof_token()->mutable_binary_secret()->set_value(
        reinterpret_cast<const char*>(key.data()), key.size());
    const absl::Time now = absl::Now();
    r.mutable_lifetime()->mutable_created()->set_seconds(absl::ToUnixSeconds(now));
    r.mutable_lifetime()->mutable_expires()->set_seconds(absl::ToUnixSeconds(now + absl::Hours(12)));
    context::SecurityContextOptions options;
    options.renewal = context::RenewalMode::kManual;
    return new std::shared_ptr<context::SecurityContext>(
        *context::SecurityContext::Create(nullptr, r, {}, options));
  }();
  return *context;
}

ReceiverOptions BenchReceiver() {
  ReceiverOptions o;
  o.replay_cache_entries = 50'000'000;  // every iteration signs anew
  return o;
}

void BM_Soap_SignVerify(benchmark::State& state) {
  const std::string envelope = Envelope();
  Receiver receiver(HolderResolver(Context()), BenchReceiver());
  for (auto _ : state) {
    absl::StatusOr<std::string> s = Sign(envelope, *Context());
    absl::StatusOr<Received> r = receiver.Verify(*s);
    if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
    benchmark::DoNotOptimize(r->body.data());
  }
  state.counters["envelope_bytes"] = static_cast<double>(envelope.size());
}

void BM_Soap_EncryptDecrypt(benchmark::State& state) {
  const std::string envelope = Envelope();
  Receiver receiver(HolderResolver(Context()), BenchReceiver());
  for (auto _ : state) {
    absl::StatusOr<std::string> e = Encrypt(envelope, *Context());
    absl::StatusOr<Received> r = receiver.Decrypt(*e);
    if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
    benchmark::DoNotOptimize(r->body.data());
  }
}

// --- bare libxmlsec1 ---------------------------------------------------------

std::string SerializeDoc(xmlDoc* doc) {
  xmlChar* mem = nullptr;
  int size = 0;
  xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
  std::string out(reinterpret_cast<const char*>(mem), size);
  xmlFree(mem);
  return out;
}

void AddId(xmlDoc* doc, const char* ns, const char* name) {
  for (xmlNode* n = xmlDocGetRootElement(doc); n != nullptr;) {
    if (n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST name)) {
      xmlAttr* a = xmlHasNsProp(n, BAD_CAST "Id", BAD_CAST kWsu);
      xmlChar* v = xmlNodeListGetString(doc, a->children, 1);
      xmlAddID(nullptr, doc, v, a);
      xmlFree(v);
      return;
    }
    // Depth-first.
    if (n->children != nullptr && n->type == XML_ELEMENT_NODE) {
      n = n->children;
      continue;
    }
    while (n != nullptr && n->next == nullptr) n = n->parent;
    if (n != nullptr) n = n->next;
  }
}

// The same header our Sign writes, as a template with empty digests.
std::string SignatureTemplate() {
  const absl::Time now = absl::Now();
  std::string e = Envelope();
  const std::string header = absl::StrCat(
      "<wsse:Security xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/"
      "oasis-200401-wss-wssecurity-secext-1.0.xsd\" soap:mustUnderstand=\"1\">"
      "<wsu:Timestamp xmlns:wsu=\"", kWsu, "\" wsu:Id=\"TS-1\"><wsu:Created>", FormatWsuTime(now),
      "</wsu:Created><wsu:Expires>", FormatWsuTime(now + absl::Minutes(5)),
      "</wsu:Expires></wsu:Timestamp>"
      "<wsc:DerivedKeyToken xmlns:wsc=\"http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512\""
      " xmlns:wsu=\"", kWsu, "\" wsu:Id=\"DK-1\"><wsse:SecurityTokenReference><wsse:Reference "
      "URI=\"urn:uuid:11111111-2222-4333-8444-555555555555\"/></wsse:SecurityTokenReference>"
      "<wsc:Offset>0</wsc:Offset><wsc:Length>24</wsc:Length><wsc:Nonce>AAAAAAAAAAAAAAAAAAAAAA==</wsc:Nonce>"
      "</wsc:DerivedKeyToken>"
      "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>"
      "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
      "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#hmac-sha256\"/>",
      "<ds:Reference URI=\"#Body-1\"><ds:Transforms><ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>"
      "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue/></ds:Reference>"
      "<ds:Reference URI=\"#TS-1\"><ds:Transforms><ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>"
      "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue/></ds:Reference>"
      "</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><wsse:SecurityTokenReference><wsse:Reference URI=\"#DK-1\"/>"
      "</wsse:SecurityTokenReference></ds:KeyInfo></ds:Signature></wsse:Security>");
  e.replace(e.find("</soap:Header>"), 0, header);
  e.replace(e.find("<soap:Body>"), std::string("<soap:Body>").size(),
            absl::StrCat("<soap:Body xmlns:wsu=\"", kWsu, "\" wsu:Id=\"Body-1\">"));
  return e;
}

xmlSecKey* Key(xmlSecKeyDataId id, const crypto::SecretBytes& bytes) {
  xmlSecKeyDataPtr data = xmlSecKeyDataCreate(id);
  xmlSecKeyDataBinaryValueSetBuffer(data, bytes.data(), static_cast<xmlSecSize>(bytes.size()));
  xmlSecKey* key = xmlSecKeyCreate();
  xmlSecKeySetValue(key, data);
  return key;
}

xmlNode* FindNode(xmlDoc* doc, const char* name, const char* ns) {
  return xmlSecFindNode(xmlDocGetRootElement(doc), BAD_CAST name, BAD_CAST ns);
}

void BM_Bare_SignVerify(benchmark::State& state) {
  const std::string tmpl = SignatureTemplate();
  const crypto::SecretBytes key = *crypto::RandomSecret(24);
  for (auto _ : state) {
    xmlDoc* doc = xmlReadMemory(tmpl.data(), static_cast<int>(tmpl.size()), nullptr, nullptr, XML_PARSE_NONET);
    AddId(doc, kSoap, "Body");
    AddId(doc, kWsu, "Timestamp");
    xmlSecDSigCtxPtr sign = xmlSecDSigCtxCreate(nullptr);
    sign->signKey = Key(xmlSecKeyDataHmacId, key);
    xmlSecDSigCtxSign(sign, FindNode(doc, "Signature", "http://www.w3.org/2000/09/xmldsig#"));
    xmlSecDSigCtxDestroy(sign);
    const std::string signed_text = SerializeDoc(doc);
    xmlFreeDoc(doc);

    doc = xmlReadMemory(signed_text.data(), static_cast<int>(signed_text.size()), nullptr, nullptr,
                        XML_PARSE_NONET);
    AddId(doc, kSoap, "Body");
    AddId(doc, kWsu, "Timestamp");
    xmlSecDSigCtxPtr verify = xmlSecDSigCtxCreate(nullptr);
    verify->signKey = Key(xmlSecKeyDataHmacId, key);
    if (xmlSecDSigCtxVerify(verify, FindNode(doc, "Signature", "http://www.w3.org/2000/09/xmldsig#")) < 0 ||
        verify->status != xmlSecDSigStatusSucceeded) {
      state.SkipWithError("bare verify failed");
    }
    xmlSecDSigCtxDestroy(verify);
    xmlFreeDoc(doc);
  }
}

// The same header Encrypt writes (the DerivedKeyToken and the ReferenceList),
// and the same EncryptedData, KeyInfo included.
std::string EncryptionTemplate() {
  std::string e = Envelope();
  const std::string header = absl::StrCat(
      "<wsse:Security xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/"
      "oasis-200401-wss-wssecurity-secext-1.0.xsd\" soap:mustUnderstand=\"1\">"
      "<wsc:SecurityContextToken xmlns:wsc=\"http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512\""
      " xmlns:wsu=\"", kWsu, "\" wsu:Id=\"SCT-1\"><wsc:Identifier>urn:uuid:11111111-2222-4333-8444-555555555555"
      "</wsc:Identifier><wsc:Instance>1</wsc:Instance></wsc:SecurityContextToken>"
      "<wsc:DerivedKeyToken xmlns:wsc=\"http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512\""
      " xmlns:wsu=\"", kWsu, "\" wsu:Id=\"DK-1\"><wsse:SecurityTokenReference><wsse:Reference "
      "URI=\"#SCT-1\"/></wsse:SecurityTokenReference>"
      "<wsc:Offset>0</wsc:Offset><wsc:Length>32</wsc:Length><wsc:Nonce>AAAAAAAAAAAAAAAAAAAAAA==</wsc:Nonce>"
      "</wsc:DerivedKeyToken><xenc:ReferenceList xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\">"
      "<xenc:DataReference URI=\"#ED-1\"/></xenc:ReferenceList></wsse:Security>");
  e.replace(e.find("</soap:Header>"), 0, header);
  return e;
}

void BM_Bare_EncryptDecrypt(benchmark::State& state) {
  const std::string envelope = EncryptionTemplate();
  const crypto::SecretBytes key = *crypto::RandomSecret(32);
  for (auto _ : state) {
    xmlDoc* doc = xmlReadMemory(envelope.data(), static_cast<int>(envelope.size()), nullptr, nullptr,
                                XML_PARSE_NONET);
    xmlNode* body = FindNode(doc, "Body", kSoap);
    xmlNode* data = xmlSecTmplEncDataCreate(doc, xmlSecTransformAes256CbcId, BAD_CAST "ED-1",
                                            xmlSecTypeEncContent, nullptr, nullptr);
    xmlSecTmplEncDataEnsureCipherValue(data);
    xmlNode* key_info = xmlSecTmplEncDataEnsureKeyInfo(data, nullptr);
    xmlNode* str = xmlNewChild(key_info, nullptr, BAD_CAST "SecurityTokenReference", nullptr);
    xmlSetNs(str, xmlNewNs(str, BAD_CAST "http://docs.oasis-open.org/wss/2004/01/"
                                         "oasis-200401-wss-wssecurity-secext-1.0.xsd", BAD_CAST "wsse"));
    xmlNode* ref = xmlNewChild(str, str->ns, BAD_CAST "Reference", nullptr);
    xmlSetProp(ref, BAD_CAST "URI", BAD_CAST "#DK-1");
    xmlSecEncCtxPtr enc = xmlSecEncCtxCreate(nullptr);
    enc->encKey = Key(xmlSecKeyDataAesId, key);
    xmlSecEncCtxXmlEncrypt(enc, data, body);
    xmlSecEncCtxDestroy(enc);
    const std::string encrypted = SerializeDoc(doc);
    xmlFreeDoc(doc);

    doc = xmlReadMemory(encrypted.data(), static_cast<int>(encrypted.size()), nullptr, nullptr,
                        XML_PARSE_NONET);
    xmlSecEncCtxPtr dec = xmlSecEncCtxCreate(nullptr);
    dec->encKey = Key(xmlSecKeyDataAesId, key);
    if (xmlSecEncCtxDecrypt(dec, FindNode(doc, "EncryptedData", "http://www.w3.org/2001/04/xmlenc#")) < 0) {
      state.SkipWithError("bare decrypt failed");
    }
    xmlSecEncCtxDestroy(dec);
    benchmark::DoNotOptimize(SerializeDoc(doc));
    xmlFreeDoc(doc);
  }
}

// Collects the mean time per iteration of each benchmark for the ratios.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      const bool mean_or_single =
          run.run_type == Run::RT_Iteration ? !run.run_name.repetitions.empty() == false
                                            : run.aggregate_name == "mean";
      if (!run.error_occurred && mean_or_single) {
        std::string name = run.run_name.function_name;
        name = name.substr(name.rfind(':') + 1);
        // CPU time: the machine is shared, and wall time then measures the
        // neighbours as much as the code.
        seconds_[name] = run.GetAdjustedCPUTime();
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void PrintRatios() const {
    std::printf("\nSOAP profile vs bare libxmlsec1, same run (CPU time per operation; throughput\n"
                "ratio = bare / ours, target >= 0.70x):\n");
    for (const auto& [ours, bare] : {std::pair<std::string, std::string>{"BM_Soap_SignVerify", "BM_Bare_SignVerify"},
                                     {"BM_Soap_EncryptDecrypt", "BM_Bare_EncryptDecrypt"}}) {
      auto o = seconds_.find(ours);
      auto b = seconds_.find(bare);
      if (o == seconds_.end() || b == seconds_.end()) continue;
      std::printf("  %-24s %9.1f us  bare %9.1f us  ratio %.2fx  %s\n", ours.c_str(), o->second,
                  b->second, b->second / o->second, b->second / o->second >= 0.7 ? "PASS" : "MISS");
    }
  }

 private:
  std::map<std::string, double> seconds_;
};

}  // namespace
}  // namespace sts::soap

BENCHMARK(sts::soap::BM_Soap_SignVerify)->Unit(benchmark::kMicrosecond);
BENCHMARK(sts::soap::BM_Bare_SignVerify)->Unit(benchmark::kMicrosecond);
BENCHMARK(sts::soap::BM_Soap_EncryptDecrypt)->Unit(benchmark::kMicrosecond);
BENCHMARK(sts::soap::BM_Bare_EncryptDecrypt)->Unit(benchmark::kMicrosecond);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  // The library initialises libxml2 and xmlsec1 (once per process) on first
  // use; the bare baselines rely on that too.
  if (!sts::soap::Sign(sts::soap::Envelope(), *sts::soap::Context()).ok()) return 1;
  sts::soap::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintRatios();
  return 0;
}
