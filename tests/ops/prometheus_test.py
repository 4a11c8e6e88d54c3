#!/usr/bin/python3
"""The STS's metrics as a real Prometheus (Debian's /usr/bin/prometheus)
scrapes them: sts_server with metrics on loopback, Prometheus scraping it
every second, known traffic (issues, a quota refusal, a refused Validate, a
renewal and its replay), then Prometheus's HTTP API queried for the values it
scraped. Also: the STS's own certificate expiry and the keyring gauges as
Prometheus stored them, and no key or proof in anything it scraped.

Run by Bazel as an sh_test with Debian's /usr/bin/python3.
"""

import base64
import datetime
import json
import os
import socket
import subprocess
import sys
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.environ["TEST_SRCDIR"], "sts", "tests", "python"))
from sts_fixture import AUDIENCE, CLIENT, TMP, StsServer  # noqa: E402

import grpc  # noqa: E402
from cryptography import x509  # noqa: E402
from sts_client import StsError, proof  # noqa: E402
from sts_client.clock import SYSTEM_CLOCK  # noqa: E402
from sts_client.proto import sts_pb2, sts_pb2_grpc  # noqa: E402

PROMETHEUS = "/usr/bin/prometheus"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode()


class Prometheus:
    """Prometheus scraping `target` every second, storing in a fresh directory."""

    def __init__(self, target):
        self.dir = os.path.join(TMP, "prometheus")
        os.makedirs(self.dir)
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write(f"""
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: sts
    static_configs:
      - targets: ["{target}"]
""")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(os.path.join(self.dir, "log"), "w")
        self.process = subprocess.Popen(
            [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={self.dir}/data",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                if "Ready" in get(self.url + "/-/ready", timeout=1):
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("prometheus did not become ready: " + self.read_log())
            time.sleep(0.1)

    def read_log(self):
        with open(os.path.join(self.dir, "log")) as f:
            return f.read()

    def query(self, expr):
        """{frozenset(labels.items()): value} of an instant query."""
        answer = json.loads(get(self.url + "/api/v1/query?" +
                                urllib.parse.urlencode({"query": expr})))
        if answer["status"] != "success":
            raise RuntimeError(f"query {expr}: {answer}")
        return {frozenset(r["metric"].items()): float(r["value"][1])
                for r in answer["data"]["result"]}

    def scalar(self, expr):
        """The value of a query that selects one series (None if none)."""
        result = self.query(expr)
        if len(result) > 1:
            raise AssertionError(f"{expr} selects {len(result)} series: {result}")
        return next(iter(result.values())) if result else None

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self._log.close()


class PrometheusScrapesTheStsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(PROMETHEUS, os.X_OK):
            raise RuntimeError(f"{PROMETHEUS} is missing: apt-get install -y prometheus "
                               "(sts/dev/setup_host.sh does)")
        cls.metrics_port = free_port()
        # Two principals issue; only the client may hold 3 contexts at once;
        # no one but an owner may validate, so the audience's Validate is
        # refused; the busiest principal alone is named.
        cls.server = StsServer(policy=f"""
policy {{ issue {{ principal: "{CLIENT}" principal: "{AUDIENCE}" applies_to: "*" }} }}
tokens {{ max_tokens_per_principal: 3 }}
metrics {{ listen_address: "127.0.0.1:{cls.metrics_port}" top_principals: 1 }}
""")
        cls.prometheus = Prometheus(f"127.0.0.1:{cls.metrics_port}")

    @classmethod
    def tearDownClass(cls):
        cls.prometheus.stop()
        cls.server.stop()

    def wait_for(self, expr, expected, timeout=30):
        """Polls Prometheus until `expr` has scraped `expected`: a scrape lands
        within a second, so this bounds how long the test waits, not what it sees."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.prometheus.scalar(expr)
            if value == expected or time.monotonic() > deadline:
                self.assertEqual(value, expected, expr)
                return
            time.sleep(0.25)

    def test_the_values_prometheus_scraped(self):
        client = self.server.client("client")
        audience = self.server.client("relying-party")
        grants = [client.issue(AUDIENCE) for _ in range(3)]
        audience.issue()
        with self.assertRaises(StsError) as quota:
            client.issue(AUDIENCE)
        self.assertEqual(quota.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        with self.assertRaises(StsError) as refused:
            audience.validate(grants[0].token)
        self.assertEqual(refused.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
        # A renewal, then its exact replay.
        request = sts_pb2.RenewRequest()
        request.renew_target.CopyFrom(grants[1].token)
        proof.attach_proof(request, proof.RENEW_METHOD, grants[1].token.identifier, "1",
                           grants[1].key, SYSTEM_CLOCK.now_ns())
        stub = sts_pb2_grpc.SecurityTokenServiceStub(self.server.channel("client"))
        renewed = stub.Renew(request, timeout=10)
        with self.assertRaises(grpc.RpcError) as replay:
            stub.Renew(request, timeout=10)
        self.assertEqual(replay.exception.code(), grpc.StatusCode.UNAUTHENTICATED)

        self.wait_for('sts_rpcs_total{method="Renew",code="UNAUTHENTICATED"}', 1)
        p = self.prometheus
        self.assertEqual(p.scalar('up{job="sts"}'), 1)
        self.assertEqual(p.scalar('sts_rpcs_total{method="Issue",outcome="ok"}'), 4)
        self.assertEqual(p.scalar(
            'sts_rpcs_total{method="Issue",outcome="refused",code="RESOURCE_EXHAUSTED",'
            'fault="wst:RequestFailed"}'), 1)
        self.assertEqual(p.scalar('sts_quota_refusals_total{method="Issue"}'), 1)
        self.assertEqual(p.scalar(
            'sts_rpcs_total{method="Validate",outcome="refused",code="PERMISSION_DENIED",'
            'fault="wst:RequestFailed"}'), 1)
        self.assertEqual(p.scalar('sts_rpcs_total{method="Renew",outcome="ok"}'), 1)
        self.assertEqual(p.scalar(
            'sts_rpcs_total{method="Renew",outcome="refused",'
            'fault="wst:FailedAuthentication"}'), 1)
        self.assertEqual(p.scalar('sum(sts_rpcs_total{outcome="refused"})'), 3)
        self.assertEqual(p.scalar('sts_rpc_duration_seconds_count{method="Issue"}'), 5)
        self.assertEqual(p.scalar('sts_rpc_duration_seconds_bucket{method="Issue",le="+Inf"}'), 5)
        self.assertGreater(p.scalar('sts_rpc_duration_seconds_sum{method="Issue"}'), 0)
        # Issuance per principal: the busiest by name, the other under _other.
        self.assertEqual(p.scalar(f'sts_issued_by_principal_total{{principal="{CLIENT}"}}'), 3)
        self.assertEqual(p.scalar('sts_issued_by_principal_total{principal="_other"}'), 1)
        self.assertEqual(len(p.query("sts_issued_by_principal_total")), 2)
        # The stores against their caps, and the certificate.
        self.assertEqual(p.scalar('sts_info{mode="stateful"}'), 1)
        self.assertEqual(p.scalar("sts_keyring_live_contexts"), 4)
        self.assertEqual(p.scalar("sts_keyring_live_contexts_limit"), 1000000)
        self.assertEqual(p.scalar("sts_keyring_retained_records"), 0)
        self.assertEqual(p.scalar("sts_replay_cache_entries"), 1)
        self.assertEqual(p.scalar("sts_replay_cache_capacity"), 900000)
        with open(self.server.pem("server"), "rb") as f:
            not_after = x509.load_pem_x509_certificate(f.read()).not_valid_after
        self.assertEqual(p.scalar("sts_certificate_expiry_timestamp_seconds"),
                         not_after.replace(tzinfo=datetime.timezone.utc).timestamp())
        self.assertEqual(p.scalar('sts_reloads_total{file="config",result="rejected"}'), 0)

        # Nothing secret in what was scraped: no key, no proof, no nonce.
        exposed = get(f"http://127.0.0.1:{self.metrics_port}/metrics")
        secrets = [g.key.reveal() for g in grants]
        secrets += [request.proof.mac, request.proof.nonce,
                    renewed.requested_proof_token.binary_secret.value]
        for secret in secrets:
            for form in (secret.hex(), base64.b64encode(secret).decode()):
                self.assertNotIn(form, exposed)
        self.assertNotIn(grants[0].token.identifier, exposed)
        labels = {name for series in p.query('{job="sts",__name__=~"sts_.*"}')
                  for name, _ in series}
        self.assertLessEqual(labels, {"__name__", "job", "instance", "method", "outcome", "code",
                                      "fault", "principal", "mode", "file", "result", "le"})


if __name__ == "__main__":
    unittest.main()
