#!/usr/bin/python3
"""Interop of client/soap with Apache WSS4J 1.6 (Debian's libwss4j-java, with
Santuario xmlsec 2.1), built here with plain javac (no Maven, nothing
downloaded):

  - WSS4J's WSSecurityEngine, given the SCT key for the SCT's identifier by
    its CallbackHandler, verifies what `stsctl soap sign` produces (and
    decrypts what `stsctl soap encrypt` adds);
  - what WSS4J's WSSecSecurityContextToken + WSSecDKSign (+ WSSecDKEncrypt)
    produce verifies (and decrypts) with `stsctl soap verify`.
"""

import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import soap_interop_test as common  # noqa: E402  (state file, stsctl, paths)

JARS = ["wss4j-1.6.19", "xmlsec-2.1.7", "commons-logging", "slf4j-api", "slf4j-nop"]
CLASSPATH = ":".join("/usr/share/java/%s.jar" % j for j in JARS)
CLASSES = os.path.join(common.TMP, "classes")


def build():
    os.makedirs(CLASSES, exist_ok=True)
    common.run(["javac", "-cp", CLASSPATH, "-d", CLASSES,
                os.path.join(HERE, "wss4j", "Wss4jInterop.java")])


def wss4j(*args):
    return common.run(["java", "-cp", CLASSES + ":" + CLASSPATH, "Wss4jInterop", *args],
                      check=False)


KEY_HEX = common.KEY.hex()


class Wss4jVerifiesUs(unittest.TestCase):
    def test_wss4j_verifies_our_signature(self):
        p = common.stsctl("sign", data=common.ENVELOPE.encode())
        self.assertEqual(p.returncode, 0, p.stderr)
        r = wss4j("verify", common.path("ours.xml", p.stdout), KEY_HEX, common.IDENTIFIER)
        self.assertEqual(r.returncode, 0, r.stdout.decode() + r.stderr.decode())
        self.assertIn(b"body_signed=true timestamp_signed=true", r.stdout)
        # With another key WSS4J refuses it: the check can fail.
        r = wss4j("verify", common.path("ours.xml", p.stdout), "00" * 32, common.IDENTIFIER)
        self.assertNotEqual(r.returncode, 0)

    def test_wss4j_decrypts_and_verifies_our_signed_and_encrypted_message(self):
        signed = common.stsctl("sign", data=common.ENVELOPE.encode()).stdout
        p = common.stsctl("encrypt", data=signed)
        self.assertEqual(p.returncode, 0, p.stderr)
        r = wss4j("verify", common.path("ours-enc.xml", p.stdout), KEY_HEX, common.IDENTIFIER)
        self.assertEqual(r.returncode, 0, r.stdout.decode() + r.stderr.decode())
        self.assertIn(b"decrypted=true", r.stdout)


class WeVerifyWss4j(unittest.TestCase):
    def test_we_verify_wss4j_signature(self):
        out = os.path.join(common.TMP, "wss4j-signed.xml")
        r = wss4j("sign", common.path("plain.xml", common.ENVELOPE.encode()), out, KEY_HEX,
                  common.IDENTIFIER)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        with open(out, "rb") as f:
            signed = f.read()
        p = common.stsctl("verify", data=signed)
        self.assertEqual(p.returncode, 0, p.stderr.decode() + "\n" + signed.decode())
        self.assertIn(b"widget", p.stdout)

    def test_we_decrypt_and_verify_wss4j_signed_and_encrypted_message(self):
        out = os.path.join(common.TMP, "wss4j-enc.xml")
        r = wss4j("sign", common.path("plain.xml", common.ENVELOPE.encode()), out, KEY_HEX,
                  common.IDENTIFIER, "encrypt")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        with open(out, "rb") as f:
            message = f.read()
        self.assertNotIn(b"widget", message)
        p = common.stsctl("verify", data=message)
        self.assertEqual(p.returncode, 0, p.stderr.decode() + "\n" + message.decode())
        self.assertIn(b"widget", p.stdout)


if __name__ == "__main__":
    common.write_state()
    build()
    unittest.main(verbosity=2)
