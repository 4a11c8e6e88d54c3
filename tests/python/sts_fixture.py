"""What the sts_client tests against real processes share: runfile paths, the
package as Bazel built it on sys.path, a development PKI, the real sts_server
binary on a free port, and line-driven C++ peers (interop_peer).

Imported by the *_test.py files beside it, which Bazel runs with Debian's
/usr/bin/python3.
"""

import base64
import os
import signal
import subprocess
import sys
import tempfile
import time

RUNFILES = os.path.join(os.environ.get("TEST_SRCDIR", "."), "sts")
TMP = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))


def runfile(path):
    return os.path.join(RUNFILES, path)


# The package from //client/python:sts_client (sources and generated stubs);
# imported where used, so that the installation test, which has only the
# sources and installs them, can start a server too.
sys.path.insert(0, runfile("client/python"))

CLIENT = "spiffe://sts.dev/client"
AUDIENCE = "spiffe://sts.dev/relying-party"

POLICY = f"""
policy {{
  issue {{ principal: "{CLIENT}" applies_to: "*" }}
  validate {{ principal: "{AUDIENCE}" release_keys_to_audience: true }}
}}
"""


class StsServer:
    """sts_server with the development PKI (client, relying-party, server for
    localhost) made in a fresh directory."""

    def __init__(self, name="sts", policy=POLICY):
        self.dir = os.path.join(TMP, name)
        self.pki = os.path.join(self.dir, "pki")
        os.makedirs(self.dir)
        subprocess.run([runfile("sts/dev/make_pki.sh"), "dev", self.pki], check=True)
        config = os.path.join(self.dir, "sts.textproto")
        with open(config, "w") as f:
            f.write(f"""
listen_address: "127.0.0.1:0"
tls {{ client_ca_file: "{self.pki}/ca.pem" cert_file: "{self.pki}/server.pem"
       key_file: "{self.pki}/server.key" }}
audit {{ path: "{self.dir}/audit.log" }}
{policy}
""")
        port_file = os.path.join(self.dir, "port")
        self._stderr = open(os.path.join(self.dir, "stderr"), "w")
        self.process = subprocess.Popen(
            [runfile("sts/sts_server"), "--config=" + config, "--port_file=" + port_file],
            stdout=subprocess.DEVNULL, stderr=self._stderr)
        deadline = time.monotonic() + 20
        while not (os.path.exists(port_file) and os.path.getsize(port_file) > 0):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("sts_server did not start: " + self.read_stderr())
            time.sleep(0.02)
        with open(port_file) as f:
            self.port = int(f.read())
        self.address = f"localhost:{self.port}"
        self._channels = []

    def pem(self, name):
        return os.path.join(self.pki, name + ".pem")

    def key(self, name):
        return os.path.join(self.pki, name + ".key")

    def read_stderr(self):
        with open(os.path.join(self.dir, "stderr")) as f:
            return f.read()

    def channel(self, who):
        """A mutual-TLS channel as `who` ("client" or "relying-party"), closed by stop()."""
        import sts_client
        channel = sts_client.mutual_tls_channel(self.address, ca_file=self.pem("ca"),
                                                cert_file=self.pem(who), key_file=self.key(who))
        self._channels.append(channel)
        return channel

    def client(self, who, **options):
        import sts_client
        return sts_client.StsClient(self.channel(who), **options)

    def peer_flags(self, who):
        return [f"--sts={self.address}", f"--ca={self.pem('ca')}", f"--cert={self.pem(who)}",
                f"--key={self.key(who)}"]

    def stop(self):
        """SIGTERM; the exit code. Our idle channels are closed first: an idle
        gRPC client acknowledges the shutdown only every 5 s."""
        for channel in self._channels:
            channel.close()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=20)
        self._stderr.close()
        return code


def b64(data):
    return base64.b64encode(data if isinstance(data, bytes) else data.encode()).decode()


def unb64(text):
    return base64.b64decode(text)


class Peer:
    """interop_peer in one mode, talking one line per command."""

    def __init__(self, *args):
        self.process = subprocess.Popen([runfile("tests/python/interop_peer"), *args],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, bufsize=1)
        self.greeting = self.process.stdout.readline().split()
        if not self.greeting or self.greeting[0] not in ("ready", "port"):
            raise RuntimeError(f"interop_peer {args[0]} did not start: {self.greeting}")

    def ask(self, *words):
        """The answer's words; the first is "ok", "refused" or "error"."""
        self.process.stdin.write(" ".join(str(w) for w in words) + "\n")
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError("interop_peer exited")
        return answer.rstrip("\n").split(" ")

    def close(self):
        self.process.stdin.close()
        code = self.process.wait(timeout=20)
        self.process.stdout.close()
        return code
