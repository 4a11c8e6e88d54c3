#include "client/soap/xmlsec_support.h"

#include <libxml/parser.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/parser.h>
#include <xmlsec/xmlsec.h>

#include <mutex>

#include "absl/strings/str_cat.h"
#include "client/soap/namespaces.h"

namespace sts::soap {
namespace {

thread_local std::string last_error;

void CaptureError(const char* /*file*/, int /*line*/, const char* func, const char* object,
                  const char* subject, int reason, const char* msg) {
  // The first error of an operation is the cause; later ones are the unwinding.
  if (!last_error.empty()) return;
  last_error = absl::StrCat(object != nullptr ? object : "", object != nullptr ? ": " : "",
                            subject != nullptr ? subject : (func != nullptr ? func : ""), ": ",
                            msg != nullptr ? msg : "", " (reason ", reason, ")");
}

XmlSecKey BinaryKey(xmlSecKeyDataId id, absl::Span<const uint8_t> bytes) {
  xmlSecKeyDataPtr data = xmlSecKeyDataCreate(id);
  if (data == nullptr) return nullptr;
  if (xmlSecKeyDataBinaryValueSetBuffer(data, bytes.data(),
                                        static_cast<xmlSecSize>(bytes.size())) < 0) {
    xmlSecKeyDataDestroy(data);
    return nullptr;
  }
  XmlSecKey key(xmlSecKeyCreate());
  if (key == nullptr || xmlSecKeySetValue(key.get(), data) < 0) {
    xmlSecKeyDataDestroy(data);
    return nullptr;
  }
  return key;
}

}  // namespace

absl::Status InitXmlSec() {
  static std::once_flag once;
  static absl::Status status;
  std::call_once(once, [] {
    xmlInitParser();
    if (xmlSecInit() < 0 || xmlSecCheckVersion() != 1 || xmlSecCryptoAppInit(nullptr) < 0 ||
        xmlSecCryptoInit() < 0) {
      status = absl::InternalError("xmlsec1 (OpenSSL backend) could not be initialised");
      return;
    }
    xmlSecErrorsSetCallback(&CaptureError);
    // Decrypted content is parsed as a fragment by xmlsec: never from the
    // network, and without entity substitution.
    xmlSecParserSetDefaultOptions(XML_PARSE_NONET | XML_PARSE_NODICT | XML_PARSE_NOERROR |
                                  XML_PARSE_NOWARNING);
  });
  return status;
}

absl::StatusOr<XmlSecKey> HmacKey(absl::Span<const uint8_t> bytes) {
  XmlSecKey key = BinaryKey(xmlSecKeyDataHmacId, bytes);
  if (key == nullptr) return absl::InternalError("xmlsec could not make an HMAC key");
  return key;
}

absl::StatusOr<XmlSecKey> AesKey(absl::Span<const uint8_t> bytes) {
  XmlSecKey key = BinaryKey(xmlSecKeyDataAesId, bytes);
  if (key == nullptr) return absl::InternalError("xmlsec could not make an AES key");
  return key;
}

xmlSecTransformId TransformOf(absl::string_view uri) {
  if (uri == kExcC14n) return xmlSecTransformExclC14NId;
  if (uri == kHmacSha1) return xmlSecTransformHmacSha1Id;
  if (uri == kHmacSha256) return xmlSecTransformHmacSha256Id;
  if (uri == kSha1) return xmlSecTransformSha1Id;
  if (uri == kSha256) return xmlSecTransformSha256Id;
  if (uri == kAes256Cbc) return xmlSecTransformAes256CbcId;
  if (uri == kAes256Gcm) return xmlSecTransformAes256GcmId;
  return nullptr;
}

std::string LastXmlSecError() { return last_error; }
void ClearXmlSecError() { last_error.clear(); }

}  // namespace sts::soap
