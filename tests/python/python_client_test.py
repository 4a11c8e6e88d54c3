"""A second client, in Python, for the STS: stubs generated from proto/ at test
time, the real sts_server binary, mutual TLS, and proof of possession written
from docs/PROOF_OF_POSSESSION.md alone (no C++ shared).

Run by Bazel through python_client_test.sh with Debian's /usr/bin/python3.
"""

import hashlib
import hmac
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest

RUNFILES = os.path.join(os.environ.get("TEST_SRCDIR", "."), "sts")
TMP = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))


def runfile(path):
    return os.path.join(RUNFILES, path)


def generate_stubs():
    out = os.path.join(TMP, "gen")
    os.makedirs(out)
    protos = ["sts/v1/token.proto", "sts/v1/proof.proto", "sts/v1/fault.proto",
              "sts/v1/sts.proto", "google/rpc/status.proto"]
    # grpc/health/v1 would shadow the installed `grpc` package: generate the
    # health stubs as module `sts_health` (the proto package is unchanged).
    health_dir = os.path.join(TMP, "health_proto", "sts_health")
    os.makedirs(health_dir)
    with open(runfile("proto/grpc/health/v1/health.proto")) as src, \
            open(os.path.join(health_dir, "health.proto"), "w") as dst:
        dst.write(src.read())
    plugin = "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin"
    subprocess.run(["/usr/bin/protoc", "-I", runfile("proto"), "--python_out=" + out,
                    "--grpc_python_out=" + out, plugin] + protos, check=True)
    subprocess.run(["/usr/bin/protoc", "-I", os.path.join(TMP, "health_proto"),
                    "--python_out=" + out, "--grpc_python_out=" + out, plugin,
                    "sts_health/health.proto"], check=True)
    sys.path.insert(0, out)


generate_stubs()
import grpc  # noqa: E402
from google.rpc import status_pb2  # noqa: E402
from sts_health import health_pb2, health_pb2_grpc  # noqa: E402
from sts.v1 import fault_pb2, sts_pb2, sts_pb2_grpc, token_pb2  # noqa: E402

WST = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
RENEW = "/sts.v1.SecurityTokenService/Renew"
CANCEL = "/sts.v1.SecurityTokenService/Cancel"


# --- docs/PROOF_OF_POSSESSION.md, implemented here -----------------------------

def hkdf_sha256(ikm, salt, info, length):
    prk = hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([i]), hashlib.sha256).digest()
        out += block
        i += 1
    return out[:length]


def field(data):
    return struct.pack(">I", len(data)) + data


def request_digest(request):
    copy = type(request)()
    copy.CopyFrom(request)
    copy.ClearField("proof")
    return hashlib.sha256(copy.SerializeToString(deterministic=True)).digest()


def sign(request, method, identifier, instance, key, created=None):
    """Fills request.proof, as section 1-4 of the document say."""
    request.ClearField("proof")
    digest = request_digest(request)
    proof = request.proof
    proof.instance = instance
    now = time.time() if created is None else created
    proof.created.seconds = int(now)
    proof.created.nanos = int((now - int(now)) * 1e9)
    proof.nonce = os.urandom(16)
    canonical = (field(b"sts.v1.ProofOfPossession") + field(method.encode()) +
                 field(identifier.encode()) + field(instance.encode()) +
                 struct.pack(">q", proof.created.seconds) +
                 struct.pack(">i", proof.created.nanos) + field(proof.nonce) + digest)
    proof_key = hkdf_sha256(key, b"", b"sts.v1 proof-of-possession", 32)
    proof.mac = hmac.new(proof_key, canonical, hashlib.sha256).digest()


# --- WS-Trust CK/PSHA1, from the WS-Trust 1.3 definition -------------------------

def p_sha1(secret, seed, length):
    out, a = b"", seed
    while len(out) < length:
        a = hmac.new(secret, a, hashlib.sha1).digest()
        out += hmac.new(secret, a + seed, hashlib.sha1).digest()
    return out[:length]


def fault_of(error):
    """The sts.v1.Fault in a refusal's grpc-status-details-bin trailer."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                if detail.type_url.endswith("sts.v1.Fault"):
                    return fault_pb2.Fault.FromString(detail.value).name
    return None


class StsServer:
    def __init__(self):
        self.pki = os.path.join(TMP, "pki")
        script = runfile("sts/dev/make_pki.sh")
        subprocess.run([script, "dev", self.pki], check=True)
        config = os.path.join(TMP, "sts.textproto")
        with open(config, "w") as f:
            f.write(f"""
listen_address: "127.0.0.1:0"
tls {{ client_ca_file: "{self.pki}/ca.pem" cert_file: "{self.pki}/server.pem"
       key_file: "{self.pki}/server.key" }}
audit {{ path: "{TMP}/audit.log" }}
policy {{
  issue {{ principal: "spiffe://sts.dev/client" applies_to: "*" }}
  validate {{ principal: "spiffe://sts.dev/relying-party" release_keys_to_audience: true }}
}}
""")
        port_file = os.path.join(TMP, "port")
        self.stderr = open(os.path.join(TMP, "stderr"), "w")
        self.process = subprocess.Popen(
            [runfile("sts/sts_server"), "--config=" + config, "--port_file=" + port_file],
            stdout=subprocess.DEVNULL, stderr=self.stderr)
        deadline = time.time() + 20
        while not os.path.exists(port_file):
            if time.time() > deadline or self.process.poll() is not None:
                raise RuntimeError("sts_server did not start")
            time.sleep(0.02)
        with open(port_file) as f:
            self.port = int(f.read())

    def channel(self, who):
        def read(name):
            with open(os.path.join(self.pki, name), "rb") as f:
                return f.read()
        credentials = grpc.ssl_channel_credentials(
            root_certificates=read("ca.pem"), private_key=read(who + ".key"),
            certificate_chain=read(who + ".pem"))
        return grpc.secure_channel(f"localhost:{self.port}", credentials)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=15)


class PythonClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = StsServer()
        cls.channels = [cls.server.channel("client"), cls.server.channel("relying-party")]
        cls.stub = sts_pb2_grpc.SecurityTokenServiceStub(cls.channels[0])
        cls.audience = sts_pb2_grpc.SecurityTokenServiceStub(cls.channels[1])

    @classmethod
    def tearDownClass(cls):
        # An idle gRPC client answers the server's shutdown ping only when its
        # backup poller runs (every 5 s): close ours so the server exits at once.
        for channel in cls.channels:
            channel.close()
        assert cls.server.stop() == 0

    def issue(self, **fields):
        return self.stub.Issue(sts_pb2.IssueRequest(**fields), timeout=10)

    def test_issue_over_mutual_tls(self):
        r = self.issue(applies_to="spiffe://sts.dev/relying-party")
        self.assertEqual(r.principal, "spiffe://sts.dev/client")
        self.assertTrue(r.requested_security_token.identifier.startswith("urn:uuid:"))
        self.assertEqual(r.requested_security_token.instance, "1")
        self.assertEqual(len(r.requested_proof_token.binary_secret.value), 32)
        self.assertEqual(r.requested_proof_token.binary_secret.type, WST + "/SymmetricKey")

    def test_health(self):
        with self.server.channel("client") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            response = health.Check(health_pb2.HealthCheckRequest(), timeout=10)
        self.assertEqual(response.status, health_pb2.HealthCheckResponse.SERVING)

    def test_renew_then_cancel_with_our_own_proof(self):
        token = self.issue(applies_to="spiffe://sts.dev/relying-party")
        identifier = token.requested_security_token.identifier
        key = token.requested_proof_token.binary_secret.value

        renew = sts_pb2.RenewRequest()
        renew.renew_target.identifier = identifier
        renew.lifetime.seconds = 1800
        sign(renew, RENEW, identifier, "1", key)
        renewed = self.stub.Renew(renew, timeout=10)
        self.assertEqual(renewed.requested_security_token.identifier, identifier)
        self.assertEqual(renewed.requested_security_token.instance, "2")
        new_key = renewed.requested_proof_token.binary_secret.value
        self.assertNotEqual(new_key, key)
        self.assertEqual(renewed.lifetime.expires.seconds - renewed.lifetime.created.seconds, 1800)

        # The relying party sees the new key and the old one rolling over.
        validate = sts_pb2.ValidateRequest()
        validate.validate_target.identifier = identifier
        status = self.audience.Validate(validate, timeout=10)
        self.assertEqual(status.status.code, WST + "/status/valid")
        self.assertEqual([(k.instance, k.key) for k in status.keys], [("2", new_key), ("1", key)])

        cancel = sts_pb2.CancelRequest()
        cancel.cancel_target.identifier = identifier
        sign(cancel, CANCEL, identifier, "2", new_key)
        self.assertTrue(self.stub.Cancel(cancel, timeout=10).requested_token_cancelled)
        status = self.audience.Validate(validate, timeout=10)
        self.assertEqual(status.status.code, WST + "/status/invalid")
        self.assertEqual(len(status.keys), 0)

    def test_refusals_carry_a_fault_a_python_client_can_read(self):
        token = self.issue()
        identifier = token.requested_security_token.identifier
        key = token.requested_proof_token.binary_secret.value

        wrong = sts_pb2.RenewRequest()
        wrong.renew_target.identifier = identifier
        sign(wrong, RENEW, identifier, "1", bytes(32))
        with self.assertRaises(grpc.RpcError) as caught:
            self.stub.Renew(wrong, timeout=10)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(fault_of(caught.exception), "wst:FailedAuthentication")

        stale = sts_pb2.RenewRequest()
        stale.renew_target.identifier = identifier
        sign(stale, RENEW, identifier, "1", key, created=time.time() - 600)
        with self.assertRaises(grpc.RpcError) as caught:
            self.stub.Renew(stale, timeout=10)
        self.assertEqual(fault_of(caught.exception), "wst:ExpiredData")

        once = sts_pb2.RenewRequest()
        once.renew_target.identifier = identifier
        sign(once, RENEW, identifier, "1", key)
        self.stub.Renew(once, timeout=10)
        with self.assertRaises(grpc.RpcError) as caught:
            self.stub.Renew(once, timeout=10)
        self.assertEqual(fault_of(caught.exception), "wst:FailedAuthentication")
        self.assertIn("replay", caught.exception.details())

        with self.assertRaises(grpc.RpcError) as caught:
            self.issue(key_size=64)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(fault_of(caught.exception), "wst:InvalidRequest")

    def test_computed_key_psha1(self):
        entropy = os.urandom(32)
        r = self.issue(entropy=token_pb2.Entropy(
            binary_secret=token_pb2.BinarySecret(value=entropy, type=WST + "/Nonce")))
        self.assertEqual(r.requested_proof_token.computed_key, WST + "/CK/PSHA1")
        key = p_sha1(entropy, r.entropy.binary_secret.value, 32)
        # Possession of the computed key is proven by renewing with it.
        renew = sts_pb2.RenewRequest()
        renew.renew_target.identifier = r.requested_security_token.identifier
        sign(renew, RENEW, r.requested_security_token.identifier, "1", key)
        self.assertEqual(self.stub.Renew(renew, timeout=10).requested_security_token.instance, "2")


if __name__ == "__main__":
    unittest.main(verbosity=2)
