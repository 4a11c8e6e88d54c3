#include "client/soap/xml.h"

#include <libxml/parser.h>
#include <libxml/valid.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlsave.h>

#include <algorithm>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "client/crypto/random.h"
#include "client/soap/fault.h"
#include "client/soap/namespaces.h"

namespace sts::soap {
namespace {


std::string Str(const xmlChar* s) { return s == nullptr ? "" : reinterpret_cast<const char*>(s); }

struct ParseState {
  bool saw_doctype = false;
};

// SAX hook for <!DOCTYPE ...>: a document type is refused before any of it is
// read, so no entity is ever declared or fetched.
void RefuseDoctype(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  auto* parser = static_cast<xmlParserCtxtPtr>(ctx);
  static_cast<ParseState*>(parser->_private)->saw_doctype = true;
  xmlStopParser(parser);
}

void IgnoreStructuredError(void*, xmlErrorPtr) {}

void InitLibxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

// Depth-first walk without recursion (a hostile depth must not cost stack).
template <class Visit>
void Walk(const xmlNode* root, Visit visit) {
  const xmlNode* node = root;
  size_t depth = 1;
  while (node != nullptr) {
    visit(node, depth);
    if (node->children != nullptr && node->type == XML_ELEMENT_NODE) {
      node = node->children;
      ++depth;
      continue;
    }
    while (node != nullptr && node != root && node->next == nullptr) {
      node = node->parent;
      --depth;
    }
    if (node == nullptr || node == root) break;
    node = node->next;
  }
}

}  // namespace

absl::StatusOr<Document> ParseHardened(absl::string_view text, const ParseLimits& limits) {
  InitLibxml();
  if (text.size() > limits.max_bytes) {
    return SoapRefuse(SoapFault::kInvalidSecurity,
                      absl::StrCat("the document is larger than ", limits.max_bytes, " bytes"));
  }
  xmlParserCtxtPtr parser = xmlNewParserCtxt();
  if (parser == nullptr) return absl::ResourceExhaustedError("cannot allocate an XML parser");
  ParseState state;
  parser->_private = &state;
  parser->sax->internalSubset = &RefuseDoctype;
  parser->sax->externalSubset = &RefuseDoctype;
  xmlSetStructuredErrorFunc(nullptr, &IgnoreStructuredError);
  xmlDoc* doc = xmlCtxtReadMemory(parser, text.data(), static_cast<int>(text.size()), nullptr,
                                  nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  std::string error;
  if (doc != nullptr && !parser->nsWellFormed) {
    // libxml2 keeps elements whose prefix is undeclared, namespace-less; such
    // a document is not namespace-well-formed and means nothing here.
    xmlFreeDoc(doc);
    doc = nullptr;
    error = "an element or attribute uses an undeclared namespace prefix";
  } else if (doc == nullptr) {
    xmlErrorPtr last = xmlCtxtGetLastError(parser);
    if (last != nullptr && last->message != nullptr) {
      error = std::string(absl::StripAsciiWhitespace(last->message));
      if (last->line > 0) absl::StrAppend(&error, " (line ", last->line, ")");
    }
  }
  xmlFreeParserCtxt(parser);
  xmlSetStructuredErrorFunc(nullptr, nullptr);
  Document owned(doc);
  if (state.saw_doctype || (doc != nullptr && (doc->intSubset != nullptr || doc->extSubset != nullptr))) {
    return SoapRefuse(SoapFault::kInvalidSecurity,
                      "document type declarations (DTDs, entities) are not accepted");
  }
  if (doc == nullptr) {
    return SoapRefuse(SoapFault::kInvalidSecurity,
                      absl::StrCat("the document is not well-formed XML",
                                   error.empty() ? "" : ": ", error));
  }
  if (absl::Status s = CheckLimits(doc, limits); !s.ok()) return s;
  return owned;
}

absl::Status CheckLimits(const xmlDoc* doc, const ParseLimits& limits) {
  const xmlNode* root = xmlDocGetRootElement(doc);
  if (root == nullptr) return SoapRefuse(SoapFault::kInvalidSecurity, "the document is empty");
  size_t nodes = 0;
  size_t deepest = 0;
  bool entity = false;
  Walk(root, [&](const xmlNode* node, size_t depth) {
    ++nodes;
    for (const xmlAttr* a = node->type == XML_ELEMENT_NODE ? node->properties : nullptr;
         a != nullptr; a = a->next) {
      ++nodes;
    }
    if (depth > deepest) deepest = depth;
    if (node->type == XML_ENTITY_REF_NODE || node->type == XML_ENTITY_NODE) entity = true;
  });
  if (entity) return SoapRefuse(SoapFault::kInvalidSecurity, "entity references are not accepted");
  if (deepest > limits.max_depth) {
    return SoapRefuse(SoapFault::kInvalidSecurity,
                      absl::StrCat("the document is nested deeper than ", limits.max_depth));
  }
  if (nodes > limits.max_nodes) {
    return SoapRefuse(SoapFault::kInvalidSecurity,
                      absl::StrCat("the document has more than ", limits.max_nodes, " nodes"));
  }
  return absl::OkStatus();
}

std::string Serialize(xmlDoc* doc) {
  xmlChar* mem = nullptr;
  int size = 0;
  xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
  std::string out(reinterpret_cast<const char*>(mem), mem == nullptr ? 0 : size);
  xmlFree(mem);
  return out;
}

namespace {

// Whether every namespace `node`'s subtree uses is declared inside it, so
// that its text stands alone as it is.
bool DeclaresItsNamespaces(const xmlNode* root) {
  std::vector<const xmlNs*> declared;
  bool self_contained = true;
  Walk(root, [&](const xmlNode* n, size_t) {
    if (n->type != XML_ELEMENT_NODE) return;
    for (const xmlNs* d = n->nsDef; d != nullptr; d = d->next) declared.push_back(d);
  });
  Walk(root, [&](const xmlNode* n, size_t) {
    if (n->type != XML_ELEMENT_NODE || !self_contained) return;
    auto local = [&](const xmlNs* ns) {
      return ns == nullptr || std::find(declared.begin(), declared.end(), ns) != declared.end();
    };
    if (!local(n->ns)) self_contained = false;
    for (const xmlAttr* a = n->properties; a != nullptr; a = a->next) {
      if (!local(a->ns)) self_contained = false;
    }
  });
  return self_contained;
}

}  // namespace

std::string SerializeNode(xmlDoc* doc, xmlNode* node) {
  xmlBufferPtr buffer = xmlBufferCreate();
  if (node->type == XML_ELEMENT_NODE && !DeclaresItsNamespaces(node)) {
    // A copy in a document of its own gets the namespace declarations it
    // inherited, so the text stands alone.
    Document tmp(xmlNewDoc(BAD_CAST "1.0"));
    xmlNode* copy = xmlDocCopyNode(node, tmp.get(), 1);
    xmlDocSetRootElement(tmp.get(), copy);
    xmlReconciliateNs(tmp.get(), copy);
    xmlNodeDump(buffer, tmp.get(), copy, 0, 0);
  } else {
    xmlNodeDump(buffer, doc, node, 0, 0);
  }
  std::string out(reinterpret_cast<const char*>(xmlBufferContent(buffer)),
                  static_cast<size_t>(xmlBufferLength(buffer)));
  xmlBufferFree(buffer);
  return out;
}

absl::string_view NamespaceOf(const xmlNode* node) {
  if (node == nullptr || node->ns == nullptr || node->ns->href == nullptr) return "";
  return reinterpret_cast<const char*>(node->ns->href);
}

absl::string_view LocalName(const xmlNode* node) {
  return node == nullptr || node->name == nullptr ? "" : reinterpret_cast<const char*>(node->name);
}

bool IsElement(const xmlNode* node, absl::string_view ns, absl::string_view local_name) {
  return node != nullptr && node->type == XML_ELEMENT_NODE && LocalName(node) == local_name &&
         NamespaceOf(node) == ns;
}

std::vector<xmlNode*> ChildElements(const xmlNode* node) {
  std::vector<xmlNode*> out;
  for (xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) out.push_back(c);
  }
  return out;
}

bool HasNonBlankText(const xmlNode* node) {
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
        !absl::StripAsciiWhitespace(Str(c->content)).empty()) {
      return true;
    }
  }
  return false;
}

std::string TextOf(const xmlNode* node) {
  std::string out;
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) out += Str(c->content);
  }
  return out;
}

std::string AttributeOf(const xmlNode* node, absl::string_view ns, absl::string_view name,
                        bool* found) {
  const std::string n(name);
  const std::string uri(ns);
  xmlChar* value = ns.empty() ? xmlGetNoNsProp(node, BAD_CAST n.c_str())
                              : xmlGetNsProp(node, BAD_CAST n.c_str(), BAD_CAST uri.c_str());
  if (found != nullptr) *found = value != nullptr;
  std::string out = Str(value);
  xmlFree(value);
  return out;
}

xmlNs* EnsureNamespace(xmlNode* node, absl::string_view ns, absl::string_view prefix) {
  const std::string uri(ns);
  const std::string p(prefix);
  xmlNs* found = xmlSearchNsByHref(node->doc, node, BAD_CAST uri.c_str());
  if (found != nullptr) {
    // The prefix must not be shadowed by another binding closer to node.
    xmlNs* bound = xmlSearchNs(node->doc, node, found->prefix);
    if (bound == found) return found;
  }
  return xmlNewNs(node, BAD_CAST uri.c_str(), p.empty() ? nullptr : BAD_CAST p.c_str());
}

xmlNode* NewChild(xmlNode* parent, absl::string_view ns, absl::string_view prefix,
                  absl::string_view local_name, absl::string_view text) {
  const std::string name(local_name);
  xmlNode* node = xmlNewDocNode(parent->doc, nullptr, BAD_CAST name.c_str(), nullptr);
  xmlAddChild(parent, node);
  if (!ns.empty()) xmlSetNs(node, EnsureNamespace(node, ns, prefix));
  if (!text.empty()) {
    xmlNodeAddContentLen(node, reinterpret_cast<const xmlChar*>(text.data()),
                         static_cast<int>(text.size()));
  }
  return node;
}

void SetAttribute(xmlNode* node, absl::string_view name, absl::string_view value) {
  const std::string n(name);
  const std::string v(value);
  xmlSetProp(node, BAD_CAST n.c_str(), BAD_CAST v.c_str());
}

void SetNsAttribute(xmlNode* node, absl::string_view ns, absl::string_view prefix,
                    absl::string_view name, absl::string_view value) {
  const std::string n(name);
  const std::string v(value);
  xmlSetNsProp(node, EnsureNamespace(node, ns, prefix), BAD_CAST n.c_str(), BAD_CAST v.c_str());
}

absl::StatusOr<IdIndex> IdIndex::Build(xmlDoc* doc) {
  IdIndex index;
  std::vector<std::pair<std::string, xmlAttr*>> attrs;
  bool duplicate = false;
  std::string duplicate_value;
  Walk(xmlDocGetRootElement(doc), [&](const xmlNode* node, size_t) {
    if (node->type != XML_ELEMENT_NODE) return;
    for (xmlAttr* a = node->properties; a != nullptr; a = a->next) {
      const std::string name = Str(a->name);
      const absl::string_view ns =
          a->ns == nullptr ? "" : reinterpret_cast<const char*>(a->ns->href);
      const bool is_id = (ns == kWsuNamespace && name == "Id") ||
                         (ns == kXmlNamespace && name == "id") || (ns.empty() && name == "Id");
      if (!is_id) continue;
      xmlChar* raw = xmlNodeListGetString(doc, a->children, 1);
      std::string value = Str(raw);
      xmlFree(raw);
      if (!index.ids_.emplace(value, const_cast<xmlNode*>(node)).second && !duplicate) {
        duplicate = true;
        duplicate_value = value;
      }
      attrs.emplace_back(std::move(value), a);
    }
  });
  if (duplicate) {
    return SoapRefuse(SoapFault::kInvalidSecurity,
                      absl::StrCat("the Id \"", absl::CHexEscape(duplicate_value.substr(0, 64)),
                                   "\" is used more than once"));
  }
  if (doc->ids != nullptr) {
    xmlFreeIDTable(static_cast<xmlIDTablePtr>(doc->ids));
    doc->ids = nullptr;
  }
  for (auto& [value, attr] : attrs) {
    if (xmlAddID(nullptr, doc, BAD_CAST value.c_str(), attr) == nullptr) {
      return SoapRefuse(SoapFault::kInvalidSecurity, "an Id attribute could not be registered");
    }
  }
  return index;
}

xmlNode* IdIndex::Find(absl::string_view id) const {
  auto it = ids_.find(id);
  return it == ids_.end() ? nullptr : it->second;
}

absl::StatusOr<std::string> NewId(absl::string_view prefix) {
  // A public value: the buffered generator is enough.
  std::string random(8, '\0');
  if (absl::Status s = crypto::RandomPublicFill(absl::MakeSpan(
          reinterpret_cast<uint8_t*>(random.data()), random.size()));
      !s.ok()) {
    return s;
  }
  return absl::StrCat(prefix, "-", absl::BytesToHexString(random));
}

}  // namespace sts::soap
