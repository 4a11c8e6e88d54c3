// The XML layer under the SOAP profile (libxml2): a hardened parser, the
// owner of a parsed document, element look-ups by namespace, the index of
// the document's Id attributes, and serialisation.
//
// Parsing (ParseHardened) never loads anything from the network or the file
// system, refuses any document type declaration outright (so no DTD, no
// entity is ever declared, expanded or fetched: billion laughs and external
// entities stop at the DOCTYPE), and bounds the input size, the element depth
// and the node count. Every refusal is wsse:InvalidSecurity.
//
// Contract: a Document is owned by one thread at a time; libxml2 keeps no
// shared state across documents beyond its one-time initialisation, done
// here. Nothing here holds key material.
#ifndef STS_CLIENT_SOAP_XML_H_
#define STS_CLIENT_SOAP_XML_H_

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <libxml/tree.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sts::soap {

struct ParseLimits {
  size_t max_bytes = 1 << 20;  // 1 MiB
  size_t max_depth = 64;
  size_t max_nodes = 20'000;
};

struct DocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using Document = std::unique_ptr<xmlDoc, DocFree>;

// Parses `text` under `limits` (see above).
absl::StatusOr<Document> ParseHardened(absl::string_view text, const ParseLimits& limits);

// Checks depth and node count of what is now in `doc` (e.g. after a
// decryption inserted a parsed fragment).
absl::Status CheckLimits(const xmlDoc* doc, const ParseLimits& limits);

// The document as UTF-8 text with an XML declaration.
std::string Serialize(xmlDoc* doc);
// `node` alone (no declaration), e.g. the content of a Body; namespace
// declarations it inherits are not repeated.
std::string SerializeNode(xmlDoc* doc, xmlNode* node);

// Element helpers. Namespaces compare by URI, never by prefix.
bool IsElement(const xmlNode* node, absl::string_view ns, absl::string_view local_name);
absl::string_view NamespaceOf(const xmlNode* node);
absl::string_view LocalName(const xmlNode* node);
// Element children, in order.
std::vector<xmlNode*> ChildElements(const xmlNode* node);
// Whether `node` has a text child that is not whitespace.
bool HasNonBlankText(const xmlNode* node);
// The text content of an element (all text children), unmodified.
std::string TextOf(const xmlNode* node);
// An attribute by namespace ("" for none); nullopt-like: `found` says.
std::string AttributeOf(const xmlNode* node, absl::string_view ns, absl::string_view name,
                        bool* found = nullptr);

// Builders. NewChild appends an element in `ns` (declared with `prefix` on
// the element unless already in scope) with optional text.
xmlNode* NewChild(xmlNode* parent, absl::string_view ns, absl::string_view prefix,
                  absl::string_view local_name, absl::string_view text = "");
xmlNs* EnsureNamespace(xmlNode* node, absl::string_view ns, absl::string_view prefix);
void SetAttribute(xmlNode* node, absl::string_view name, absl::string_view value);
void SetNsAttribute(xmlNode* node, absl::string_view ns, absl::string_view prefix,
                    absl::string_view name, absl::string_view value);

// Every Id-like attribute of the document: wsu:Id, xml:id, and the
// unqualified Id of XML Signature / XML Encryption elements. Build refuses a
// value used twice (wsse:InvalidSecurity) and registers every one as the
// document's ID table (replacing whatever libxml2 registered), so that a
// "#value" reference resolved by xmlsec finds exactly the element Find finds.
class IdIndex {
 public:
  static absl::StatusOr<IdIndex> Build(xmlDoc* doc);
  xmlNode* Find(absl::string_view id) const;
  size_t size() const { return ids_.size(); }

 private:
  std::map<std::string, xmlNode*, std::less<>> ids_;
};

// A fresh wsu:Id value: `prefix` + "-" + 16 random hex digits.
absl::StatusOr<std::string> NewId(absl::string_view prefix);

}  // namespace sts::soap

#endif  // STS_CLIENT_SOAP_XML_H_
