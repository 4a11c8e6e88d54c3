#!/usr/bin/python3
"""sts_client against the C++ client library, both directions, through the
real sts_server:

  - C++ SecurityContext signs/seals -> Python Verifier verifies/opens, and the
    Python Verifier's answers -> C++ SecurityContext;
  - Python SecurityContext signs/seals -> C++ Verifier, and back;
  - a Python grpcio client with the protecting interceptor -> a C++ server
    wrapped by ProtectService;
  - a C++ client through CreateProtectedChannel -> a Python grpcio server with
    VerifyingServerInterceptor;
  - refused cases each way (tampered, unprotected, replayed: UNAUTHENTICATED
    with the fault, and the handler never runs);
  - proofs of possession computed by both sides.

The C++ side is tests/python/interop_peer (one line per command). The Python
Ledger stubs are generated here from interop/v1/ledger.proto, the way
client/python/README.md tells a team to generate its own.
"""

import concurrent.futures
import os
import subprocess
import sys
import threading
import unittest

import grpc

from sts_fixture import AUDIENCE, CLIENT, TMP, Peer, StsServer, b64, runfile, unb64
from sts_client import (P_SHA1, DerivationOptions, FakeClock, ReceiverOptions, RenewalMode,
                        SecurityContext, SecurityContextOptions, StsError, Verifier,
                        VerifierOptions, VerifyingServerInterceptor, current_caller, proof,
                        protected_channel)
from sts_client.clock import SYSTEM_CLOCK
from sts_client.interceptors import call_metadata
from sts_client.message import ProtectedMessage
from sts_client.proto import sts_pb2

AD = "/orders/submit"
RECORD = "/interop.v1.Ledger/Record"


def generate_ledger_stubs():
    out = os.path.join(TMP, "gen")
    os.makedirs(out)
    subprocess.run(["/usr/bin/protoc", "-I", runfile("tests/python"), "--python_out=" + out,
                    "--grpc_python_out=" + out,
                    "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin",
                    "interop/v1/ledger.proto"], check=True)
    sys.path.insert(0, out)


generate_ledger_stubs()
from interop.v1 import ledger_pb2, ledger_pb2_grpc  # noqa: E402


def message(text):
    return ProtectedMessage.FromString(unb64(text))


class Ledger(ledger_pb2_grpc.LedgerServicer):
    """The Python relying party's handlers: plain business logic."""

    def __init__(self):
        self.lock = threading.Lock()
        self.balances = {}
        self.handled = 0

    def Record(self, request, context):
        with self.lock:
            self.handled += 1
            balance = self.balances.get(request.account, 0) + request.amount
            self.balances[request.account] = balance
        return ledger_pb2.RecordReply(account=request.account, balance=balance,
                                      recorded_by=current_caller().principal)


class InteropTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = StsServer()
        cls.sts = cls.server.client("client")
        cls.audience = cls.server.client("relying-party")
        cls.peers = []

    @classmethod
    def tearDownClass(cls):
        for peer in cls.peers:
            assert peer.close() == 0
        assert cls.server.stop() == 0

    def peer(self, mode, who, *flags):
        peer = Peer(mode, *self.server.peer_flags(who), *flags)
        self.peers.append(peer)
        return peer

    def holder(self, *flags):
        return self.peer("holder", "client", f"--applies_to={AUDIENCE}", *flags)

    def context(self, **options):
        options.setdefault("renewal", RenewalMode.MANUAL)
        return SecurityContext.issue(self.sts, AUDIENCE,
                                     options=SecurityContextOptions(**options))

    # --- C++ SecurityContext -> Python Verifier, and the answers back --------

    def test_cpp_messages_verify_and_open_in_python(self):
        # Opted in to P_SHA1 (WS-SC) derived keys, which receivers refuse by
        # default.
        verifier = Verifier(self.audience,
                            VerifierOptions(receiver=ReceiverOptions(accept_psha1=True)))
        for flags in ((), ("--psha1",), ("--psha1", "--generation=2", "--label=custom label"),
                      ("--entropy",)):
            with self.subTest(flags=flags):
                cpp = self.holder(*flags)
                ok, signed = cpp.ask("sign", b64(AD), b64(b"an order \x00\xff"))
                self.assertEqual(ok, "ok")
                m = message(signed)
                self.assertEqual(m.receiver, AUDIENCE)  # bound to its receiver
                caller = verifier.verify(m, AD)
                self.assertEqual((caller.principal, caller.applies_to), (CLIENT, AUDIENCE))
                self.assertEqual(m.payload, b"an order \x00\xff")
                if "--psha1" in flags:
                    self.assertEqual(m.derivation.algorithm, P_SHA1)
                ok, sealed = cpp.ask("seal", b64(AD), b64(b"a secret order"))
                opened = verifier.open(message(sealed), AD)
                self.assertEqual(opened.plaintext, b"a secret order")

                # Python's answers, checked by the C++ SecurityContext.
                answer = verifier.sign(m.token, b"accepted", AD)
                self.assertEqual(cpp.ask("verify", b64(AD), b64(answer.SerializeToString())),
                                 ["ok"])
                sealed_answer = verifier.seal(m.token, b"sealed answer", AD)
                self.assertEqual(cpp.ask("open", b64(AD), b64(sealed_answer.SerializeToString())),
                                 ["ok", b64(b"sealed answer")])
                # A replayed answer, and one for another method, are refused.
                self.assertEqual(cpp.ask("verify", b64(AD), b64(answer.SerializeToString())),
                                 ["refused", "16", "wst:FailedAuthentication"])
                other = verifier.sign(m.token, b"x", "/other/Method")
                self.assertEqual(cpp.ask("verify", b64(AD), b64(other.SerializeToString())),
                                 ["refused", "16", "wst:FailedAuthentication"])

    def test_python_refuses_tampered_and_replayed_cpp_messages(self):
        verifier = Verifier(self.audience)
        cpp = self.holder()
        m = message(cpp.ask("sign", b64(AD), b64(b"pay 10"))[1])
        tampered = ProtectedMessage()
        tampered.CopyFrom(m)
        tampered.payload = b"pay 99"
        for bad, fault in ((tampered, "wst:FailedAuthentication"),):
            with self.assertRaises(StsError) as caught:
                verifier.verify(bad, AD)
            self.assertEqual(caught.exception.fault, fault)
        verifier.verify(m, AD)
        with self.assertRaises(StsError) as caught:
            verifier.verify(m, AD)
        self.assertIn("replayed", caught.exception.reason)

    def test_a_cpp_renewal_rolls_over_at_the_python_verifier(self):
        verifier = Verifier(self.audience)
        cpp = self.holder()
        before = message(cpp.ask("sign", b64(AD), b64(b"before"))[1])
        verifier.verify(message(cpp.ask("sign", b64(AD), b64(b"first"))[1]), AD)
        self.assertEqual(cpp.ask("renew"), ["ok", "2"])
        after = message(cpp.ask("sign", b64(AD), b64(b"after"))[1])
        self.assertEqual(after.token.instance, "2")
        verifier.verify(after, AD)
        verifier.verify(before, AD)
        self.assertEqual(verifier.stats().validations, 2)
        # Answers under instance 1 still verify at the C++ holder.
        answer = verifier.sign(before.token, b"late answer", AD)
        self.assertEqual(cpp.ask("verify", b64(AD), b64(answer.SerializeToString())), ["ok"])

    # --- Python SecurityContext -> C++ Verifier, and the answers back --------

    def test_python_messages_verify_and_open_in_cpp(self):
        cpp = self.peer("verifier", "relying-party", "--accept_psha1")
        for derivation in (DerivationOptions(), DerivationOptions(algorithm=P_SHA1),
                           DerivationOptions(algorithm=P_SHA1, generation=3, label="a label")):
            with self.subTest(derivation=derivation), self.context(derivation=derivation) as c:
                m = c.sign(b"made in Python", AD)
                ok, identifier, principal = cpp.ask("verify", b64(AD), b64(m.SerializeToString()))
                self.assertEqual((ok, identifier, unb64(principal)),
                                 ("ok", c.identifier, CLIENT.encode()))
                sealed = c.seal(b"sealed in Python", AD)
                self.assertEqual(cpp.ask("open", b64(AD), b64(sealed.SerializeToString()))[:2],
                                 ["ok", b64(b"sealed in Python")])
                # The C++ Verifier's answers, checked here.
                token = b64(m.token.SerializeToString())
                ok, answer = cpp.ask("sign", token, b64(AD), b64(b"answer from C++"))
                c.verify(unb64(answer), AD)
                ok, sealed_answer = cpp.ask("seal", token, b64(AD), b64(b"sealed from C++"))
                self.assertEqual(c.open(unb64(sealed_answer), AD), b"sealed from C++")
                with self.assertRaises(StsError) as caught:
                    c.verify(unb64(answer), AD)  # replayed
                self.assertEqual(caught.exception.fault, "wst:FailedAuthentication")

    def test_cpp_refuses_what_it_must_from_python(self):
        cpp = self.peer("verifier", "relying-party")
        with self.context() as c:
            good = c.sign(b"pay 10", AD)
            tampered = ProtectedMessage()
            tampered.CopyFrom(good)
            tampered.payload = b"pay 99"
            self.assertEqual(cpp.ask("verify", b64(AD), b64(tampered.SerializeToString())),
                             ["refused", "16", "wst:FailedAuthentication"])
            self.assertEqual(cpp.ask("verify", b64("/other"), b64(good.SerializeToString())),
                             ["refused", "16", "wst:FailedAuthentication"])
            self.assertEqual(cpp.ask("verify", b64(AD), b64(good.SerializeToString()))[0], "ok")
            self.assertEqual(cpp.ask("verify", b64(AD), b64(good.SerializeToString())),
                             ["refused", "16", "wst:FailedAuthentication"])  # replayed
            sealed = c.seal(b"secret", AD)
            sealed.tag = bytes([sealed.tag[0] ^ 1]) + sealed.tag[1:]
            self.assertEqual(cpp.ask("open", b64(AD), b64(sealed.SerializeToString())),
                             ["refused", "16", "wst:FailedAuthentication"])
        # Addressed to another receiver, or to none.
        for addressed_to in ("spiffe://sts.test/billing", ""):
            with self.subTest(addressed_to=addressed_to), \
                    self.context(addressed_to=addressed_to) as c:
                self.assertEqual(
                    cpp.ask("verify", b64(AD), b64(c.sign(b"x", AD).SerializeToString())),
                    ["refused", "16" if addressed_to else "3",
                     "wst:FailedAuthentication" if addressed_to else "wst:InvalidRequest"])
        # A message stamped 10 minutes ago.
        stale_clock = FakeClock(SYSTEM_CLOCK.now_ns() - 600 * 10**9)
        with self.context(clock=stale_clock) as c:
            stale = c.sign(b"old", AD)
            self.assertEqual(cpp.ask("verify", b64(AD), b64(stale.SerializeToString())),
                             ["refused", "16", "wst:ExpiredData"])

    def test_a_python_renewal_is_fetched_by_the_cpp_verifier(self):
        cpp = self.peer("verifier", "relying-party")
        with self.context() as c:
            before = c.sign(b"before", AD)
            self.assertEqual(cpp.ask("verify", b64(AD), b64(c.sign(b"1", AD).SerializeToString()))[0],
                             "ok")
            c.renew_now()
            after = c.sign(b"after", AD)
            self.assertEqual(cpp.ask("verify", b64(AD), b64(after.SerializeToString()))[0], "ok")
            self.assertEqual(cpp.ask("verify", b64(AD), b64(before.SerializeToString()))[0], "ok")
            self.assertEqual(cpp.ask("stats")[:2], ["ok", "2"])

    # --- gRPC: Python client -> C++ ProtectService ----------------------------

    def test_a_python_client_calls_a_cpp_protected_service(self):
        cpp = self.peer("server", "relying-party", f"--server_cert={self.server.pem('server')}",
                        f"--server_key={self.server.key('server')}")
        port = cpp.greeting[1]
        with open(self.server.pem("ca"), "rb") as f:
            tls = grpc.ssl_channel_credentials(root_certificates=f.read())
        plain = grpc.secure_channel(f"localhost:{port}", tls)
        try:
            with self.context() as c:
                stub = ledger_pb2_grpc.LedgerStub(protected_channel(plain, c))
                request = ledger_pb2.RecordRequest(account="acme", amount=5, notes=["n1", "n2"],
                                                   tags={"z": "last", "a": "first", "m": "mid"})
                for n in range(1, 4):
                    reply = stub.Record(request, timeout=10)
                    self.assertEqual((reply.balance, reply.recorded_by), (5 * n, CLIENT))
                c.renew_now()
                self.assertEqual(stub.Record(request, timeout=10).balance, 20)
                self.assertEqual(cpp.ask("handled"), ["ok", "4"])

                # Refused: unprotected, tampered (the MAC of another request),
                # replayed. The handler never runs.
                raw = ledger_pb2_grpc.LedgerStub(plain)
                signed = c.sign(ledger_pb2.RecordRequest(account="acme", amount=1)
                                .SerializeToString(deterministic=True), RECORD)
                for metadata, reason in ((None, "unprotected"),
                                         (call_metadata(signed), "tampered")):
                    with self.subTest(reason), self.assertRaises(grpc.RpcError) as caught:
                        raw.Record(ledger_pb2.RecordRequest(account="acme", amount=1000),
                                   metadata=metadata, timeout=10)
                    self.assertEqual(caught.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
                    self.assertEqual(StsError.from_rpc_error(caught.exception).fault,
                                     "wst:FailedAuthentication")
                raw.Record(ledger_pb2.RecordRequest(account="acme", amount=1),
                           metadata=call_metadata(signed), timeout=10)
                with self.assertRaises(grpc.RpcError) as caught:
                    raw.Record(ledger_pb2.RecordRequest(account="acme", amount=1),
                               metadata=call_metadata(signed), timeout=10)
                self.assertEqual(StsError.from_rpc_error(caught.exception).fault,
                                 "wst:FailedAuthentication")
                self.assertEqual(cpp.ask("handled"), ["ok", "5"])

                # Cancelled: refused locally, nothing sent.
                c.cancel()
                with self.assertRaises(grpc.RpcError) as caught:
                    stub.Record(request, timeout=10)
                self.assertEqual(caught.exception.code(), grpc.StatusCode.FAILED_PRECONDITION)
                self.assertEqual(StsError.from_rpc_error(caught.exception).fault,
                                 "wst:InvalidSecurityToken")
                self.assertEqual(cpp.ask("handled"), ["ok", "5"])
        finally:
            plain.close()

    # --- gRPC: C++ CreateProtectedChannel -> Python server --------------------

    def test_a_cpp_client_calls_a_python_protected_server(self):
        ledger = Ledger()
        verifier = Verifier(self.audience)
        server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=4),
                             interceptors=[VerifyingServerInterceptor(verifier)])
        ledger_pb2_grpc.add_LedgerServicer_to_server(ledger, server)
        with open(self.server.key("server"), "rb") as k, open(self.server.pem("server"), "rb") as c:
            port = server.add_secure_port("127.0.0.1:0",
                                          grpc.ssl_server_credentials([(k.read(), c.read())]))
        server.start()
        try:
            cpp = self.holder()
            target = f"localhost:{port}"
            for n in range(1, 4):
                self.assertEqual(cpp.ask("call", target, "acme", 7), ["ok", str(7 * n), b64(CLIENT)])
            self.assertEqual(cpp.ask("renew"), ["ok", "2"])
            self.assertEqual(cpp.ask("call", target, "acme", 7)[:2], ["ok", "28"])
            self.assertEqual((ledger.handled, verifier.stats().validations), (4, 2))

            self.assertEqual(cpp.ask("tampered_call", target),
                             ["refused", "16", "wst:FailedAuthentication"])
            self.assertEqual(cpp.ask("unprotected_call", target),
                             ["refused", "16", "wst:FailedAuthentication"])
            self.assertEqual(ledger.handled, 4)

            self.assertEqual(cpp.ask("cancel"), ["ok"])
            self.assertEqual(cpp.ask("call", target, "acme", 7),
                             ["refused", "9", "wst:InvalidSecurityToken"])
            self.assertEqual(ledger.handled, 4)
        finally:
            server.stop(None).wait()

    # --- proofs of possession ------------------------------------------------

    def test_proofs_agree(self):
        cpp = self.peer("proof", "client")
        key = bytes(range(32))
        identifier = "urn:uuid:00000000-0000-4000-8000-000000000000"
        request = sts_pb2.RenewRequest()
        request.renew_target.identifier = identifier
        request.lifetime.seconds = 1800
        created = 1_700_000_000 * 10**9 + 5
        nonce = bytes(range(0x10, 0x20))
        digest = proof.request_digest(request)
        # The known answer of client/python/tests/test_proof.py, from C++.
        self.assertEqual(cpp.ask("mac", key.hex(), proof.RENEW_METHOD, identifier, "1",
                                 created // 10**9, created % 10**9, nonce.hex(), digest.hex()),
                         ["ok", "b3d1e9bcae6b60344d2cbeaa81015dfd9d5480df666ee4d2cde99ab1ebde7eea"])
        for _ in range(5):
            key, nonce = os.urandom(32), os.urandom(24)
            renew = sts_pb2.RenewRequest(key_size=384)
            renew.renew_target.identifier = f"urn:uuid:{os.urandom(16).hex()}"
            renew.entropy.binary_secret.value = os.urandom(48)
            proof.attach_proof(renew, proof.RENEW_METHOD, renew.renew_target.identifier, "3", key,
                               SYSTEM_CLOCK.now_ns(), nonce=nonce)
            # Python's proof, checked by C++ (its own request digest).
            self.assertEqual(cpp.ask("check", "renew", key.hex(), b64(renew.SerializeToString())),
                             ["ok", "true"])
            self.assertEqual(cpp.ask("check", "renew", os.urandom(32).hex(),
                                     b64(renew.SerializeToString())), ["ok", "false"])
            # C++'s MAC over the same inputs, checked by Python.
            p = renew.proof
            ok, mac = cpp.ask("mac", key.hex(), proof.RENEW_METHOD, renew.renew_target.identifier,
                              p.instance, p.created.seconds, p.created.nanos, p.nonce.hex(),
                              proof.request_digest(renew).hex())
            self.assertEqual(bytes.fromhex(mac), p.mac)
            self.assertTrue(proof.proof_matches(renew, proof.RENEW_METHOD,
                                                renew.renew_target.identifier, key))
        cancel = sts_pb2.CancelRequest()
        cancel.cancel_target.identifier = identifier
        proof.attach_proof(cancel, proof.CANCEL_METHOD, identifier, "1", key, SYSTEM_CLOCK.now_ns())
        self.assertEqual(cpp.ask("check", "cancel", key.hex(), b64(cancel.SerializeToString())),
                         ["ok", "true"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
