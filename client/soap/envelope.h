// The SOAP 1.1 / 1.2 envelope around the security header: its strict shape
// (one Envelope, at most one Header, exactly one Body, nothing else), the
// wsse:Security header block, and wsu:Id handling.
//
// Contract: functions over a document the caller owns; not thread-safe on
// the same document. Shape refusals are wsse:InvalidSecurity.
#ifndef STS_CLIENT_SOAP_ENVELOPE_H_
#define STS_CLIENT_SOAP_ENVELOPE_H_

#include <string>
#include <vector>

#include <libxml/tree.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sts::soap {

struct Envelope {
  xmlNode* envelope = nullptr;
  xmlNode* header = nullptr;  // null when the envelope has none
  xmlNode* body = nullptr;
  absl::string_view soap_namespace;  // SOAP 1.1 or 1.2
};

// The root must be a SOAP 1.1 or 1.2 Envelope whose element children are an
// optional Header then exactly one Body, with no other element or text.
absl::StatusOr<Envelope> FindEnvelope(xmlDoc* doc);

// The wsse:Security header blocks (children of Header).
std::vector<xmlNode*> SecurityHeaders(const Envelope& envelope);

// The one wsse:Security header a sender adds to (created with
// mustUnderstand, and a Header before the Body, when missing). Refuses an
// envelope with more than one.
absl::StatusOr<xmlNode*> SenderSecurityHeader(Envelope& envelope);

// The node's wsu:Id, set to a fresh one ("<prefix>-<hex>") if it has none.
absl::StatusOr<std::string> EnsureWsuId(xmlNode* node, absl::string_view prefix);

// Where a sender inserts its next group of header elements (a derived key
// and the signature or reference list it keys): after the leading
// wsu:Timestamp and security context tokens, before every earlier group, so
// that a receiver reading top-down undoes the last protection first
// (WS-Security's prepend rule). Returns the node to insert before, or null
// to append.
xmlNode* GroupInsertionPoint(xmlNode* security);

// Inserts `node` (unlinked) before `before`, or appends to `parent` when
// `before` is null.
void InsertBefore(xmlNode* parent, xmlNode* before, xmlNode* node);

}  // namespace sts::soap

#endif  // STS_CLIENT_SOAP_ENVELOPE_H_
