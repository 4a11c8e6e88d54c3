#!/usr/bin/python3
"""sts_client against the real sts_server over mutual TLS: Issue, Renew,
Cancel and Validate (with keys, as the audience), computed keys, every
bad-input refusal with its fault, and SecurityContext + Verifier on top,
including background renewal driven by a fake clock (nothing sleeps).

Run by Bazel as an sh_test with Debian's /usr/bin/python3.
"""

import unittest
import uuid

import grpc

from sts_fixture import AUDIENCE, CLIENT, StsServer
from sts_client import (CK_HKDF_SHA256, CK_PSHA1, FakeClock, RenewalMode, SecretBytes,
                        SecurityContext, SecurityContextOptions, StsError, Verifier,
                        VerifierOptions, proof)
from sts_client.clock import SYSTEM_CLOCK
from sts_client.proto import sts_pb2, sts_pb2_grpc, token_pb2

AD = "/orders/submit"
NS = 10**9


class PackageAgainstTheStsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = StsServer()
        cls.sts = cls.server.client("client")
        cls.audience = cls.server.client("relying-party")

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0

    def refusal(self, call, *args, **kwargs):
        with self.assertRaises(StsError) as caught:
            call(*args, **kwargs)
        return caught.exception

    # --- the four RPCs --------------------------------------------------------

    def test_issue(self):
        grant = self.sts.issue(AUDIENCE, lifetime=1800)
        self.assertEqual((grant.principal, grant.applies_to), (CLIENT, AUDIENCE))
        self.assertTrue(grant.token.identifier.startswith("urn:uuid:"))
        self.assertEqual((grant.token.instance, grant.key_size, len(grant.key)), ("1", 256, 32))
        self.assertEqual(grant.expires_ns - grant.created_ns, 1800 * NS)
        self.assertEqual(grant.computed_key, "")
        self.assertNotIn(grant.key.reveal().hex(), repr(grant))

    def test_renew_validate_cancel(self):
        grant = self.sts.issue(AUDIENCE)
        renewed = self.sts.renew(grant.token, grant.key, lifetime=600)
        self.assertEqual(renewed.token.identifier, grant.token.identifier)
        self.assertEqual(renewed.token.instance, "2")
        self.assertNotEqual(renewed.key, grant.key)
        self.assertEqual(renewed.expires_ns - renewed.created_ns, 600 * NS)

        # The audience gets the new key and the old one, rolling over.
        status = self.audience.validate(renewed.token)
        self.assertTrue(status.valid)
        self.assertEqual((status.principal, status.applies_to), (CLIENT, AUDIENCE))
        self.assertEqual([k.instance for k in status.keys], ["2", "1"])
        self.assertEqual(status.keys[0].key, renewed.key)
        self.assertEqual(status.keys[1].key, grant.key)
        self.assertLess(status.keys[1].accept_until_ns, status.keys[0].accept_until_ns)
        # So does the owner.
        self.assertEqual(len(self.sts.validate(renewed.token).keys), 2)

        self.sts.cancel(renewed.token, renewed.key)
        status = self.audience.validate(renewed.token)
        self.assertEqual((status.valid, status.reason, status.keys), (False, "cancelled", ()))
        self.sts.cancel(renewed.token, renewed.key)  # idempotent for the owner
        e = self.refusal(self.sts.renew, renewed.token, renewed.key)
        self.assertEqual((e.code(), e.fault),
                         (grpc.StatusCode.FAILED_PRECONDITION, "wst:InvalidSecurityToken"))

    def test_the_previous_key_proves_possession_during_rollover(self):
        grant = self.sts.issue(AUDIENCE)
        self.sts.renew(grant.token, grant.key)
        self.assertEqual(self.sts.renew(grant.token, grant.key).token.instance, "3")

    def test_computed_keys(self):
        for algorithm in (CK_PSHA1, CK_HKDF_SHA256):
            with self.subTest(algorithm=algorithm):
                grant = self.sts.issue(AUDIENCE, entropy=True, computed_key_algorithm=algorithm)
                self.assertEqual(grant.computed_key, algorithm)
                # The audience receives the key the STS computed: the same.
                self.assertEqual(self.audience.validate(grant.token).keys[0].key, grant.key)
                renewed = self.sts.renew(grant.token, grant.key, entropy=True,
                                         computed_key_algorithm=algorithm, key_size=512)
                self.assertEqual((renewed.token.instance, len(renewed.key)), ("2", 64))
                self.assertEqual(self.audience.validate(grant.token).keys[0].key, renewed.key)

    def test_validate_of_an_unknown_context(self):
        status = self.audience.validate(token_pb2.SecurityContextToken(
            identifier=f"urn:uuid:{uuid.uuid4()}"))
        self.assertEqual((status.valid, status.reason), (False, "unknown"))

    # --- refusals, each with its fault ----------------------------------------

    def test_a_wrong_proof(self):
        grant = self.sts.issue()
        e = self.refusal(self.sts.renew, grant.token, SecretBytes(bytes(32)))
        self.assertEqual((e.code(), e.fault),
                         (grpc.StatusCode.UNAUTHENTICATED, "wst:FailedAuthentication"))
        e = self.refusal(self.sts.cancel, grant.token, SecretBytes(bytes(32)))
        self.assertEqual(e.fault, "wst:FailedAuthentication")

    def test_a_replayed_proof(self):
        grant = self.sts.issue()
        request = sts_pb2.RenewRequest()
        request.renew_target.CopyFrom(grant.token)
        proof.attach_proof(request, proof.RENEW_METHOD, grant.token.identifier, "1", grant.key,
                           SYSTEM_CLOCK.now_ns())
        stub = sts_pb2_grpc.SecurityTokenServiceStub(self.server.channel("client"))
        stub.Renew(request, timeout=10)
        with self.assertRaises(grpc.RpcError) as caught:
            stub.Renew(request, timeout=10)
        e = StsError.from_rpc_error(caught.exception)
        self.assertEqual((e.code(), e.fault),
                         (grpc.StatusCode.UNAUTHENTICATED, "wst:FailedAuthentication"))
        self.assertIn("replay", e.reason)

    def test_a_stale_proof(self):
        grant = self.sts.issue()
        past = FakeClock(SYSTEM_CLOCK.now_ns() - 600 * NS)
        stale = self.server.client("client", clock=past)
        e = self.refusal(stale.renew, grant.token, grant.key)
        self.assertEqual((e.code(), e.fault), (grpc.StatusCode.UNAUTHENTICATED, "wst:ExpiredData"))
        future = self.server.client("client", clock=FakeClock(SYSTEM_CLOCK.now_ns() + 600 * NS))
        self.assertEqual(self.refusal(future.cancel, grant.token, grant.key).fault,
                         "wst:ExpiredData")

    def test_an_unknown_context(self):
        token = token_pb2.SecurityContextToken(identifier=f"urn:uuid:{uuid.uuid4()}", instance="1")
        e = self.refusal(self.sts.renew, token, SecretBytes(bytes(32)))
        self.assertEqual((e.code(), e.fault), (grpc.StatusCode.NOT_FOUND, "wsc:BadContextToken"))
        self.assertEqual(self.refusal(self.sts.cancel, token, SecretBytes(bytes(32))).fault,
                         "wsc:BadContextToken")

    def test_an_unknown_instance(self):
        grant = self.sts.issue()
        token = token_pb2.SecurityContextToken()
        token.CopyFrom(grant.token)
        token.instance = "7"
        e = self.refusal(self.sts.renew, token, grant.key)
        self.assertEqual((e.code(), e.fault),
                         (grpc.StatusCode.UNAUTHENTICATED, "wsc:UnknownDerivationSource"))

    def test_only_the_owner_renews_or_cancels(self):
        grant = self.sts.issue(AUDIENCE)
        released = self.audience.validate(grant.token).keys[0].key
        e = self.refusal(self.audience.renew, grant.token, released)
        self.assertEqual((e.code(), e.fault), (grpc.StatusCode.PERMISSION_DENIED,
                                               "wst:RequestFailed"))
        self.assertEqual(self.refusal(self.audience.cancel, grant.token, released).fault,
                         "wst:RequestFailed")

    def test_bad_request_fields(self):
        for fields in ({"key_size": 64}, {"key_size": 260}, {"entropy": True, "key_size": 512,
                                                             "computed_key_algorithm": "urn:x"}):
            with self.subTest(fields=fields):
                e = self.refusal(self.sts.issue, **fields)
                self.assertEqual((e.code(), e.fault),
                                 (grpc.StatusCode.INVALID_ARGUMENT, "wst:InvalidRequest"))
        e = self.refusal(self.audience.issue, "spiffe://sts.dev/relying-party")
        self.assertEqual((e.code(), e.fault), (grpc.StatusCode.PERMISSION_DENIED,
                                               "wst:RequestFailed"))

    def test_an_unreachable_sts(self):
        import sts_client
        channel = sts_client.mutual_tls_channel(
            "localhost:1", ca_file=self.server.pem("ca"), cert_file=self.server.pem("client"),
            key_file=self.server.key("client"))
        try:
            e = self.refusal(sts_client.StsClient(channel, timeout=2).issue)
            self.assertIn(e.code(), (grpc.StatusCode.UNAVAILABLE,
                                     grpc.StatusCode.DEADLINE_EXCEEDED))
            self.assertEqual(e.fault, "")
        finally:
            channel.close()
        e = self.refusal(sts_client.mutual_tls_channel, self.server.address, ca_file="/nonexistent",
                         cert_file="/nonexistent", key_file="/nonexistent")
        self.assertEqual(e.fault, "wst:InvalidRequest")

    # --- SecurityContext and Verifier over the real STS -----------------------

    def test_context_and_verifier(self):
        verifier = Verifier(self.audience)
        with SecurityContext.issue(self.sts, AUDIENCE,
                                   options=SecurityContextOptions(renewal=RenewalMode.MANUAL)
                                   ) as context:
            request = context.sign(b"order 1", AD)
            caller = verifier.verify(request, AD)
            self.assertEqual((caller.principal, caller.applies_to), (CLIENT, AUDIENCE))
            self.assertEqual(verifier.open(context.seal(b"secret", AD), AD).plaintext, b"secret")
            context.verify(verifier.sign(request.token, b"answer", AD), AD)
            self.assertEqual(context.open(verifier.seal(request.token, b"sealed", AD), AD),
                             b"sealed")
            before = context.sign(b"made before renewal", AD)
            context.renew_now()
            after = context.sign(b"order 2", AD)
            self.assertEqual(after.token.instance, "2")
            verifier.verify(after, AD)
            verifier.verify(before, AD)  # instance 1 is rolling over
            self.assertEqual(verifier.stats().validations, 2)
            context.cancel()
            e = self.refusal(context.sign, b"x", AD)
            self.assertEqual(e.fault, "wst:InvalidSecurityToken")
        # A fresh relying party learns of the cancellation from the STS.
        e = self.refusal(Verifier(self.audience).verify, after, AD)
        self.assertEqual((e.code(), e.fault), (grpc.StatusCode.FAILED_PRECONDITION,
                                               "wst:InvalidSecurityToken"))

    def test_a_relying_party_that_is_not_the_audience_gets_no_keys(self):
        with SecurityContext.issue(self.sts, "spiffe://sts.dev/someone-else",
                                   options=SecurityContextOptions(renewal=RenewalMode.MANUAL)
                                   ) as context:
            e = self.refusal(Verifier(self.audience).verify, context.sign(b"x", AD), AD)
            self.assertEqual((e.code(), e.fault), (grpc.StatusCode.PERMISSION_DENIED,
                                                   "wst:RequestFailed"))
            e = self.refusal(Verifier(self.audience, VerifierOptions(
                expected_audience=AUDIENCE)).verify, context.sign(b"x", AD), AD)
            self.assertEqual(e.code(), grpc.StatusCode.PERMISSION_DENIED)

    def test_background_renewal_on_a_fake_clock(self):
        # The context's own clock is fake; the proofs it sends carry the real
        # time (the StsClient's clock), so the real STS accepts them.
        clock = FakeClock(SYSTEM_CLOCK.now_ns())
        options = SecurityContextOptions(clock=clock, renewal=RenewalMode.BACKGROUND,
                                         use_entropy=True, cancel_on_shutdown=True)
        with SecurityContext.issue(self.sts, AUDIENCE, lifetime=3600, options=options) as context:
            for n in range(1, 3):
                clock.advance(0.6 * 3600 + 1)
                context.sign(b"wake up", AD)
                self.assertTrue(context.await_renewals(n, timeout=20), context.last_renewal_error)
                self.assertEqual(context.token().instance, str(n + 1))
                # The STS holds the key the context now signs with.
                status = self.audience.validate(context.token())
                self.assertEqual(status.token.instance, str(n + 1))
                self.assertEqual(status.keys[0].key, context.current_keys.context_key)
            identifier = context.identifier
        # cancel_on_shutdown
        status = self.audience.validate(token_pb2.SecurityContextToken(identifier=identifier))
        self.assertEqual(status.reason, "cancelled")


if __name__ == "__main__":
    unittest.main(verbosity=2)
