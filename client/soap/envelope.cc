#include "client/soap/envelope.h"

#include "absl/strings/str_cat.h"
#include "client/soap/fault.h"
#include "client/soap/namespaces.h"
#include "client/soap/xml.h"

namespace sts::soap {
namespace {

bool IsSct(const xmlNode* node) {
  return IsElement(node, kWsc13Namespace, "SecurityContextToken") ||
         IsElement(node, kWsc2005Namespace, "SecurityContextToken");
}

}  // namespace

absl::StatusOr<Envelope> FindEnvelope(xmlDoc* doc) {
  Envelope e;
  xmlNode* root = xmlDocGetRootElement(doc);
  if (IsElement(root, kSoap11Namespace, "Envelope")) {
    e.soap_namespace = kSoap11Namespace;
  } else if (IsElement(root, kSoap12Namespace, "Envelope")) {
    e.soap_namespace = kSoap12Namespace;
  } else {
    return SoapRefuse(SoapFault::kInvalidSecurity,
                      "the document is not a SOAP 1.1 or 1.2 Envelope");
  }
  e.envelope = root;
  if (HasNonBlankText(root)) {
    return SoapRefuse(SoapFault::kInvalidSecurity, "the Envelope has text content");
  }
  for (xmlNode* child : ChildElements(root)) {
    if (IsElement(child, e.soap_namespace, "Header") && e.header == nullptr && e.body == nullptr) {
      e.header = child;
    } else if (IsElement(child, e.soap_namespace, "Body") && e.body == nullptr) {
      e.body = child;
    } else if (IsElement(child, e.soap_namespace, "Body")) {
      return SoapRefuse(SoapFault::kInvalidSecurity, "the Envelope has more than one Body");
    } else {
      return SoapRefuse(SoapFault::kInvalidSecurity,
                        absl::StrCat("unexpected element <", LocalName(child),
                                     "> in the Envelope (only Header, then Body)"));
    }
  }
  if (e.body == nullptr) return SoapRefuse(SoapFault::kInvalidSecurity, "the Envelope has no Body");
  return e;
}

std::vector<xmlNode*> SecurityHeaders(const Envelope& envelope) {
  std::vector<xmlNode*> out;
  if (envelope.header == nullptr) return out;
  for (xmlNode* child : ChildElements(envelope.header)) {
    if (IsElement(child, kWsseNamespace, "Security")) out.push_back(child);
  }
  return out;
}

absl::StatusOr<xmlNode*> SenderSecurityHeader(Envelope& e) {
  std::vector<xmlNode*> existing = SecurityHeaders(e);
  if (existing.size() > 1) {
    return SoapRefuse(SoapFault::kInvalidSecurity,
                      "the envelope already has more than one wsse:Security header");
  }
  if (!existing.empty()) return existing.front();
  if (e.header == nullptr) {
    xmlNode* header = xmlNewDocNode(e.envelope->doc, e.envelope->ns, BAD_CAST "Header", nullptr);
    xmlAddPrevSibling(e.body, header);
    e.header = header;
  }
  xmlNode* security = NewChild(e.header, kWsseNamespace, "wsse", "Security");
  SetNsAttribute(security, e.soap_namespace, "soap", "mustUnderstand",
                 e.soap_namespace == kSoap11Namespace ? "1" : "true");
  return security;
}

absl::StatusOr<std::string> EnsureWsuId(xmlNode* node, absl::string_view prefix) {
  bool found = false;
  std::string id = AttributeOf(node, kWsuNamespace, "Id", &found);
  if (found && !id.empty()) return id;
  absl::StatusOr<std::string> fresh = NewId(prefix);
  if (!fresh.ok()) return fresh.status();
  SetNsAttribute(node, kWsuNamespace, "wsu", "Id", *fresh);
  return *fresh;
}

xmlNode* GroupInsertionPoint(xmlNode* security) {
  for (xmlNode* child : ChildElements(security)) {
    if (IsElement(child, kWsuNamespace, "Timestamp") || IsSct(child)) continue;
    return child;
  }
  return nullptr;
}

void InsertBefore(xmlNode* parent, xmlNode* before, xmlNode* node) {
  if (before == nullptr) {
    xmlAddChild(parent, node);
  } else {
    xmlAddPrevSibling(before, node);
  }
}

}  // namespace sts::soap
