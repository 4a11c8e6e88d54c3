// The xmlsec1 side of the SOAP profile: one-time initialisation of xmlsec1
// with its OpenSSL backend, owners of xmlsec keys and contexts, the
// algorithm URIs mapped to xmlsec transforms, and the last xmlsec error of
// the calling thread (xmlsec reports errors through a callback; it is
// captured here instead of printed).
//
// Keys: Hmac/AesKey copy the derived key into an xmlsec key; xmlsec 1.2.37
// keeps it in an xmlSecBuffer that xmlSecKeyDestroy wipes (memset of the
// whole allocation before xmlFree, src/buffer.c xmlSecBufferEmpty), and its
// HMAC/cipher transforms zero their contexts on finalisation while OpenSSL
// cleanses the EVP contexts it frees. The caller's copy stays in SecretBytes.
//
// Contract: thread-safe after InitXmlSec (which is idempotent); each context
// belongs to one operation and one thread.
#ifndef STS_CLIENT_SOAP_XMLSEC_SUPPORT_H_
#define STS_CLIENT_SOAP_XMLSEC_SUPPORT_H_

#include <memory>
#include <string>

#include <xmlsec/keys.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlenc.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace sts::soap {

// Initialises libxml2 and xmlsec1 once per process (never shut down: other
// threads may still use them). Fails only if xmlsec cannot start.
absl::Status InitXmlSec();

struct KeyDestroy {
  void operator()(xmlSecKey* key) const { xmlSecKeyDestroy(key); }
};
using XmlSecKey = std::unique_ptr<xmlSecKey, KeyDestroy>;
struct DSigCtxDestroy {
  void operator()(xmlSecDSigCtx* ctx) const { xmlSecDSigCtxDestroy(ctx); }
};
using DSigContext = std::unique_ptr<xmlSecDSigCtx, DSigCtxDestroy>;
struct EncCtxDestroy {
  void operator()(xmlSecEncCtx* ctx) const { xmlSecEncCtxDestroy(ctx); }
};
using EncContext = std::unique_ptr<xmlSecEncCtx, EncCtxDestroy>;

absl::StatusOr<XmlSecKey> HmacKey(absl::Span<const uint8_t> bytes);
absl::StatusOr<XmlSecKey> AesKey(absl::Span<const uint8_t> bytes);

// The xmlsec transform of one of the URIs in namespaces.h this profile uses;
// nullptr for any other.
xmlSecTransformId TransformOf(absl::string_view uri);

// The last error xmlsec reported on this thread since ClearXmlSecError
// ("" if none): object, subject and message, never data.
std::string LastXmlSecError();
void ClearXmlSecError();

}  // namespace sts::soap

#endif  // STS_CLIENT_SOAP_XMLSEC_SUPPORT_H_
