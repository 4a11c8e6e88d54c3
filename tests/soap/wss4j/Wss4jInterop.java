// Apache WSS4J 1.6 (Debian's libwss4j-java) as the peer of client/soap:
//   verify IN KEY_HEX IDENTIFIER     WSSecurityEngine checks a message we signed
//                                    (and/or encrypted); the CallbackHandler hands
//                                    it the SCT key for the SCT's identifier.
//   sign IN OUT KEY_HEX IDENTIFIER [encrypt]
//                                    WSSecSecurityContextToken + WSSecTimestamp +
//                                    WSSecDKSign (HMAC-SHA256, SHA-256, 24-byte
//                                    derived key) over Body and Timestamp, and with
//                                    "encrypt" WSSecDKEncrypt of the Body (AES-256-CBC,
//                                    32-byte derived key) after signing.
// Exit 0 on success; the reason on stderr otherwise.
import java.io.File;
import java.io.FileOutputStream;
import java.util.ArrayList;
import java.util.List;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.apache.ws.security.WSConstants;
import org.apache.ws.security.WSDataRef;
import org.apache.ws.security.WSEncryptionPart;
import org.apache.ws.security.WSPasswordCallback;
import org.apache.ws.security.WSSecurityEngine;
import org.apache.ws.security.WSSecurityEngineResult;
import org.apache.ws.security.conversation.ConversationConstants;
import org.apache.ws.security.message.WSSecDKEncrypt;
import org.apache.ws.security.message.WSSecDKSign;
import org.apache.ws.security.message.WSSecHeader;
import org.apache.ws.security.message.WSSecSecurityContextToken;
import org.apache.ws.security.message.WSSecTimestamp;
import org.w3c.dom.Document;

public final class Wss4jInterop {
  private static final String SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/";
  private static final String WSU =
      "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

  private static byte[] hex(String s) {
    byte[] out = new byte[s.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    }
    return out;
  }

  private static Document read(String path) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder().parse(new File(path));
  }

  private static void write(Document doc, String path) throws Exception {
    try (FileOutputStream out = new FileOutputStream(path)) {
      TransformerFactory.newInstance().newTransformer().transform(new DOMSource(doc), new StreamResult(out));
    }
  }

  public static void main(String[] args) throws Exception {
    org.apache.xml.security.Init.init();
    final byte[] key = hex(args[args[0].equals("verify") ? 2 : 3]);
    final String identifier = args[args[0].equals("verify") ? 3 : 4];
    if (args[0].equals("verify")) {
      Document doc = read(args[1]);
      CallbackHandler handler = (Callback[] callbacks) -> {
        for (Callback c : callbacks) {
          WSPasswordCallback pc = (WSPasswordCallback) c;
          if (pc.getUsage() == WSPasswordCallback.SECURITY_CONTEXT_TOKEN
              && identifier.equals(pc.getIdentifier())) {
            pc.setKey(key);
          }
        }
      };
      List<WSSecurityEngineResult> results =
          new WSSecurityEngine().processSecurityHeader(doc, null, handler, null);
      boolean bodySigned = false;
      boolean timestampSigned = false;
      boolean decrypted = false;
      for (WSSecurityEngineResult r : results) {
        int action = (Integer) r.get(WSSecurityEngineResult.TAG_ACTION);
        @SuppressWarnings("unchecked")
        List<WSDataRef> refs = (List<WSDataRef>) r.get(WSSecurityEngineResult.TAG_DATA_REF_URIS);
        if (refs == null) continue;
        for (WSDataRef ref : refs) {
          String name = ref.getName().getLocalPart();
          if (action == WSConstants.SIGN && name.equals("Body")) bodySigned = true;
          if (action == WSConstants.SIGN && name.equals("Timestamp")) timestampSigned = true;
          if (action == WSConstants.ENCR) decrypted = true;
        }
      }
      System.out.println("body_signed=" + bodySigned + " timestamp_signed=" + timestampSigned
          + " decrypted=" + decrypted + " results=" + results.size());
      System.exit(bodySigned && timestampSigned ? 0 : 3);
    }
    // sign
    Document doc = read(args[1]);
    WSSecHeader header = new WSSecHeader();
    header.setMustUnderstand(true);
    header.insertSecurityHeader(doc);
    WSSecSecurityContextToken sct = new WSSecSecurityContextToken();
    sct.setWscVersion(ConversationConstants.VERSION_05_12);
    sct.setIdentifier(identifier);
    sct.setSctId("SCT-" + System.nanoTime());
    sct.prepare(doc, null);
    final String sctValueType = ConversationConstants.WSC_NS_05_12 + "/sct";
    WSSecTimestamp timestamp = new WSSecTimestamp();
    timestamp.setTimeToLive(300);
    timestamp.prepare(doc);
    timestamp.prependToHeader(header);  // must be in place before it is referenced

    WSSecDKSign sign = new WSSecDKSign();
    sign.setWscVersion(ConversationConstants.VERSION_05_12);
    sign.setExternalKey(key, sct.getSctId());
    sign.setCustomValueType(sctValueType);
    sign.setSignatureAlgorithm("http://www.w3.org/2001/04/xmldsig-more#hmac-sha256");
    sign.setDigestAlgorithm("http://www.w3.org/2001/04/xmlenc#sha256");
    sign.setDerivedKeyLength(24);
    List<WSEncryptionPart> parts = new ArrayList<>();
    parts.add(new WSEncryptionPart("Body", SOAP11, ""));
    parts.add(new WSEncryptionPart("Timestamp", WSU, ""));
    sign.setParts(parts);
    sign.prepare(doc, header);
    List<javax.xml.crypto.dsig.Reference> refs = sign.addReferencesToSign(parts, header);
    // WSS4J prepends: the header ends up SCT, [DerivedKeyToken, ReferenceList],
    // DerivedKeyToken, Signature, Timestamp.
    sign.computeSignature(refs);
    sign.prependDKElementToHeader(header);
    if (args.length > 5 && args[5].equals("encrypt")) {
      WSSecDKEncrypt encrypt = new WSSecDKEncrypt();
      encrypt.setWscVersion(ConversationConstants.VERSION_05_12);
      encrypt.setExternalKey(key, sct.getSctId());
      encrypt.setCustomValueType(sctValueType);
      encrypt.setSymmetricEncAlgorithm(WSConstants.AES_256);
      encrypt.setDerivedKeyLength(32);
      List<WSEncryptionPart> body = new ArrayList<>();
      body.add(new WSEncryptionPart("Body", SOAP11, "Content"));
      encrypt.setParts(body);
      encrypt.build(doc, header);
    }
    sct.prependSCTElementToHeader(doc, header);
    write(doc, args[2]);
  }
}
