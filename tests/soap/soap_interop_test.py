#!/usr/bin/python3
"""Interop of client/soap with implementations nobody here wrote:

  - what `stsctl soap sign` produces verifies with the xmlsec1 command-line
    tool given the derived key, and what `stsctl soap encrypt` produces
    decrypts with `xmlsec1 --decrypt`;
  - what xmlsec1 signs (and encrypts), keyed by a derived key computed by
    psha1.py (written from the WS-SC spec), verifies (and decrypts) with
    `stsctl soap verify` (`decrypt`);
  - every envelope, signature and encrypted part we produce validates with
    `xmllint --schema` against Debian's schemas (xmltooling-schemas); the
    WS-Security / WS-SC elements, which have no packaged schema, are checked
    against the specs here.

No STS is needed: the SCT is a state file written here, as `stsctl issue`
leaves it. Run by Bazel as an sh_test.
"""

import base64
import datetime
import os
import subprocess
import sys
import tempfile
import unittest
import uuid
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import psha1  # noqa: E402

RUNFILES = os.path.join(os.environ.get("TEST_SRCDIR", "."), "sts")
TMP = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
STSCTL = os.path.join(RUNFILES, "client/stsctl/stsctl")
SCHEMAS = os.path.join(HERE, "schemas.xsd")
XMLTOOLING = "/usr/share/xml/xmltooling"

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
WSC = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512"
DS = "http://www.w3.org/2000/09/xmldsig#"
XENC = "http://www.w3.org/2001/04/xmlenc#"
NS = {"soap": SOAP11, "wsse": WSSE, "wsu": WSU, "wsc": WSC, "ds": DS, "xenc": XENC}

KEY = bytes(range(1, 33))
IDENTIFIER = "urn:uuid:" + str(uuid.uuid4())
BODY = '<m:Order xmlns:m="urn:example:orders"><m:Item qty="2">widget</m:Item></m:Order>'
ENVELOPE = ('<soap:Envelope xmlns:soap="%s"><soap:Header/><soap:Body>%s</soap:Body>'
            '</soap:Envelope>' % (SOAP11, BODY))
ID_ATTRS = ["--id-attr:Id", SOAP11 + ":Body", "--id-attr:Id", WSU + ":Timestamp"]


def generate_stubs():
    out = os.path.join(TMP, "gen")
    os.makedirs(out)
    subprocess.run(["/usr/bin/protoc", "-I", os.path.join(RUNFILES, "proto"), "--python_out=" + out,
                    "sts/v1/token.proto", "sts/v1/proof.proto", "sts/v1/sts.proto"], check=True)
    sys.path.insert(0, out)


generate_stubs()
from sts.v1 import sts_pb2  # noqa: E402

STATE = os.path.join(TMP, "state", "context")


def write_state():
    r = sts_pb2.RequestSecurityTokenResponse()
    r.requested_security_token.identifier = IDENTIFIER
    r.requested_security_token.instance = "1"
    r.requested_proof_token.binary_secret.value = KEY
    now = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
    r.lifetime.created.seconds = now
    r.lifetime.expires.seconds = now + 3600
    r.principal = "spiffe://test.example/client"
    os.makedirs(os.path.dirname(STATE), mode=0o700, exist_ok=True)
    with open(STATE, "wb") as f:
        f.write(r.SerializeToString())


def run(args, data=None, check=True):
    p = subprocess.run(args, input=data, capture_output=True)
    if check and p.returncode != 0:
        raise AssertionError("%s failed (%d): %s" % (args[0], p.returncode, p.stderr.decode()))
    return p


def stsctl(*args, data=b""):
    return run([STSCTL, "soap", *args, "--state", STATE], data=data, check=False)


def path(name, data):
    p = os.path.join(TMP, name)
    with open(p, "wb") as f:
        f.write(data)
    return p


def derived_key_of(envelope, dk_id, length):
    """The key of DerivedKeyToken `dk_id`, computed here from the SCT key."""
    root = ET.fromstring(envelope)
    for dkt in root.iter("{%s}DerivedKeyToken" % WSC):
        if dkt.get("{%s}Id" % WSU) != dk_id:
            continue
        assert int(dkt.find("wsc:Length", NS).text) == length
        offset = dkt.find("wsc:Offset", NS)
        generation = dkt.find("wsc:Generation", NS)
        nonce = base64.b64decode(dkt.find("wsc:Nonce", NS).text)
        return psha1.derived_key(KEY, nonce, length,
                                 offset=int(offset.text) if offset is not None else 0,
                                 generation=int(generation.text) if generation is not None else None)
    raise AssertionError("no DerivedKeyToken " + dk_id)


def key_reference(element):
    ref = element.find("ds:KeyInfo/wsse:SecurityTokenReference/wsse:Reference", NS)
    return ref.get("URI")[1:]


def xmllint(doc_path, schema):
    return run(["xmllint", "--noout", "--nonet", "--schema", schema, doc_path], check=False)


def standalone(element, name):
    return path(name, ET.tostring(element))


def timestamp_xml(ts_id):
    now = datetime.datetime.now(datetime.timezone.utc)
    fmt = "%Y-%m-%dT%H:%M:%S.000Z"
    return ('<wsu:Timestamp wsu:Id="%s"><wsu:Created>%s</wsu:Created><wsu:Expires>%s</wsu:Expires>'
            '</wsu:Timestamp>' % (ts_id, now.strftime(fmt),
                                  (now + datetime.timedelta(minutes=5)).strftime(fmt)))


def dkt_xml(dk_id, nonce, length):
    return ('<wsc:DerivedKeyToken wsu:Id="%s"><wsse:SecurityTokenReference><wsse:Reference URI="%s" '
            'ValueType="%s/sct"/></wsse:SecurityTokenReference><wsc:Offset>0</wsc:Offset>'
            '<wsc:Length>%d</wsc:Length><wsc:Nonce>%s</wsc:Nonce></wsc:DerivedKeyToken>'
            % (dk_id, IDENTIFIER, WSC, length, base64.b64encode(nonce).decode()))


def str_xml(dk_id):
    return ('<wsse:SecurityTokenReference><wsse:Reference URI="#%s" ValueType="%s/dk"/>'
            '</wsse:SecurityTokenReference>' % (dk_id, WSC))


ENVELOPE_OPEN = ('<soap:Envelope xmlns:soap="%s" xmlns:wsse="%s" xmlns:wsu="%s" xmlns:wsc="%s" '
                 'xmlns:ds="%s" xmlns:xenc="%s">' % (SOAP11, WSSE, WSU, WSC, DS, XENC))


class OursVerifiedByXmlsec1(unittest.TestCase):
    def test_our_signature_verifies_with_xmlsec1(self):
        for suite, length in (("Basic256Sha256", 24), ("Basic256", 24)):
            p = stsctl("sign", "--suite", suite, data=ENVELOPE.encode())
            self.assertEqual(p.returncode, 0, p.stderr)
            signed = p.stdout
            root = ET.fromstring(signed)
            sig = root.find(".//ds:Signature", NS)
            key = path("sig.key", derived_key_of(signed, key_reference(sig), length))
            ok = run(["xmlsec1", "--verify", "--hmackey", key, *ID_ATTRS, path("signed.xml", signed)],
                     check=False)
            self.assertEqual(ok.returncode, 0, ok.stderr.decode())
            # The wrong key does not verify: the check can fail.
            bad = path("bad.key", bytes(length))
            self.assertNotEqual(run(["xmlsec1", "--verify", "--hmackey", bad, *ID_ATTRS,
                                     path("signed.xml", signed)], check=False).returncode, 0)

    def test_our_encrypted_body_decrypts_with_xmlsec1(self):
        for cipher in ("aes256-cbc", "aes256-gcm"):
            p = stsctl("encrypt", "--cipher", cipher, data=ENVELOPE.encode())
            self.assertEqual(p.returncode, 0, p.stderr)
            encrypted = p.stdout
            self.assertNotIn(b"widget", encrypted)
            data = ET.fromstring(encrypted).find(".//xenc:EncryptedData", NS)
            key = path("enc.key", derived_key_of(encrypted, key_reference(data), 32))
            out = run(["xmlsec1", "--decrypt", "--aeskey", key, path("enc.xml", encrypted)])
            body = ET.fromstring(out.stdout).find("soap:Body", NS)
            self.assertEqual(body.find("{urn:example:orders}Order/{urn:example:orders}Item").text,
                             "widget")


class Xmlsec1VerifiedByUs(unittest.TestCase):
    def test_xmlsec1_signature_verifies_with_us(self):
        nonce = os.urandom(16)
        template = (
            ENVELOPE_OPEN + '<soap:Header><wsse:Security soap:mustUnderstand="1">'
            + timestamp_xml("TS-1") + dkt_xml("DK-1", nonce, 24)
            + '<ds:Signature><ds:SignedInfo>'
            '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
            '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"/>'
            + "".join('<ds:Reference URI="#%s"><ds:Transforms><ds:Transform '
                      'Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>'
                      '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
                      '<ds:DigestValue/></ds:Reference>' % i for i in ("Body-1", "TS-1"))
            + '</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo>' + str_xml("DK-1")
            + '</ds:KeyInfo></ds:Signature></wsse:Security></soap:Header>'
            '<soap:Body wsu:Id="Body-1">' + BODY + '</soap:Body></soap:Envelope>')
        key = path("x.key", psha1.derived_key(KEY, nonce, 24))
        signed = run(["xmlsec1", "--sign", "--hmackey", key, *ID_ATTRS,
                      path("template.xml", template.encode())]).stdout
        p = stsctl("verify", data=signed)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"widget", p.stdout)
        # The same document with its Body changed is refused.
        p = stsctl("verify", data=signed.replace(b"widget", b"gadget"))
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"wsse:FailedCheck", p.stderr)

    def test_xmlsec1_encryption_decrypts_with_us(self):
        for algorithm in ("http://www.w3.org/2001/04/xmlenc#aes256-cbc",
                          "http://www.w3.org/2009/xmlenc11#aes256-gcm"):
            nonce = os.urandom(16)
            envelope = (ENVELOPE_OPEN + '<soap:Header><wsse:Security soap:mustUnderstand="1">'
                        + dkt_xml("DK-2", nonce, 32)
                        + '<xenc:ReferenceList><xenc:DataReference URI="#ED-1"/></xenc:ReferenceList>'
                        '</wsse:Security></soap:Header><soap:Body>' + BODY + '</soap:Body>'
                        '</soap:Envelope>')
            template = ('<xenc:EncryptedData xmlns:xenc="%s" xmlns:ds="%s" xmlns:wsse="%s" Id="ED-1" '
                        'Type="http://www.w3.org/2001/04/xmlenc#Content"><xenc:EncryptionMethod '
                        'Algorithm="%s"/><ds:KeyInfo>%s</ds:KeyInfo><xenc:CipherData>'
                        '<xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>'
                        % (XENC, DS, WSSE, algorithm, str_xml("DK-2")))
            key = path("e.key", psha1.derived_key(KEY, nonce, 32))
            encrypted = run(["xmlsec1", "--encrypt", "--aeskey", key, "--xml-data",
                             path("data.xml", envelope.encode()), "--node-name", SOAP11 + ":Body",
                             path("etemplate.xml", template.encode())]).stdout
            self.assertNotIn(b"widget", encrypted)
            p = stsctl("decrypt", data=encrypted)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn(b"widget", p.stdout)


class SchemasAndSpecs(unittest.TestCase):
    def produced(self):
        signed = stsctl("sign", data=ENVELOPE.encode()).stdout
        both = stsctl("encrypt", data=signed).stdout
        return signed, both

    def test_envelopes_signatures_and_encrypted_parts_validate(self):
        for name, doc in zip(("signed.xml", "signed-encrypted.xml"), self.produced()):
            p = xmllint(path(name, doc), SCHEMAS)
            self.assertEqual(p.returncode, 0, p.stderr.decode())
            root = ET.fromstring(doc)
            for element, schema in ((".//ds:Signature", "xmldsig-core-schema.xsd"),
                                    (".//xenc:EncryptedData", "xenc-schema.xsd"),
                                    (".//xenc:ReferenceList", "xenc-schema.xsd")):
                for i, part in enumerate(root.findall(element, NS)):
                    p = xmllint(standalone(part, "part%d.xml" % i), os.path.join(XMLTOOLING, schema))
                    self.assertEqual(p.returncode, 0, p.stderr.decode())
        # The schema check can fail: a Signature without SignatureValue does not validate.
        broken = ET.fromstring(self.produced()[0]).find(".//ds:Signature", NS)
        broken.remove(broken.find("ds:SignatureValue", NS))
        self.assertNotEqual(xmllint(standalone(broken, "broken.xml"),
                                    os.path.join(XMLTOOLING, "xmldsig-core-schema.xsd")).returncode, 0)

    def test_security_header_elements_follow_the_specs(self):
        signed, both = self.produced()
        security = ET.fromstring(both).find("soap:Header/wsse:Security", NS)
        # WSS 1.0 section 6.1: mustUnderstand on the header; processing order top-down.
        self.assertEqual(security.get("{%s}mustUnderstand" % SOAP11), "1")
        names = [child.tag.split("}")[1] for child in security]
        self.assertEqual(names, ["Timestamp", "SecurityContextToken", "DerivedKeyToken",
                                 "ReferenceList", "DerivedKeyToken", "Signature"])
        ts = security.find("wsu:Timestamp", NS)
        self.assertEqual([c.tag for c in ts], ["{%s}Created" % WSU, "{%s}Expires" % WSU])
        sct = security.find("wsc:SecurityContextToken", NS)
        self.assertTrue(sct.get("{%s}Id" % WSU))
        self.assertEqual([c.tag for c in sct], ["{%s}Identifier" % WSC, "{%s}Instance" % WSC])
        self.assertEqual(sct.find("wsc:Identifier", NS).text, IDENTIFIER)
        # WS-SC 1.3 section 7: DerivedKeyToken children in schema order.
        for dkt in security.findall("wsc:DerivedKeyToken", NS):
            self.assertEqual([c.tag.split("}")[1] for c in dkt],
                             ["SecurityTokenReference", "Offset", "Length", "Nonce"])
            ref = dkt.find("wsse:SecurityTokenReference/wsse:Reference", NS)
            self.assertEqual(ref.get("URI"), "#" + sct.get("{%s}Id" % WSU))
            self.assertEqual(ref.get("ValueType"), WSC + "/sct")
            self.assertEqual(len(base64.b64decode(dkt.find("wsc:Nonce", NS).text)), 16)
        self.assertEqual([d.find("wsc:Length", NS).text for d in
                          security.findall("wsc:DerivedKeyToken", NS)], ["32", "24"])
        nonces = {d.find("wsc:Nonce", NS).text for d in security.findall("wsc:DerivedKeyToken", NS)}
        self.assertEqual(len(nonces), 2)


if __name__ == "__main__":
    write_state()
    unittest.main(verbosity=2)
