#!/usr/bin/python3
"""The installation a team does: a venv over Debian's python3 (with
--system-site-packages, so python3-grpcio, python3-protobuf and
python3-cryptography are visible), `pip install --no-index
--no-build-isolation <checkout>/client/python`, then installed_client.py run
with the venv's python outside the checkout, against the real sts_server. The
package must report exactly the version in the repository's VERSION.

The checkout is copied from the runfiles (sources only: the build generates
the stubs and the version module, as it does for a team).
"""

import os
import shutil
import subprocess
import unittest

from sts_fixture import TMP, StsServer, runfile

VENV = os.path.join(TMP, "venv")
PIP_ENV = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_CACHE_DIR="1",
               HOME=TMP)


def copy_tree(files, destination):
    """Copies runfiles (symlinks) as plain files, keeping their paths."""
    for path in files:
        target = os.path.join(destination, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(runfile(path), target)


def package_files():
    root = runfile("client/python")
    found = []
    for directory, _, names in os.walk(root, followlinks=True):
        for name in names:
            found.append(os.path.relpath(os.path.join(directory, name), runfile("")))
    return found


def proto_files():
    root = runfile("proto")
    return [os.path.relpath(os.path.join(d, n), runfile(""))
            for d, _, names in os.walk(root, followlinks=True) for n in names
            if n.endswith(".proto")]


def pip_install(checkout):
    return subprocess.run([os.path.join(VENV, "bin/pip"), "install", "--no-index",
                           "--no-build-isolation", os.path.join(checkout, "client/python")],
                          env=PIP_ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.checkout = os.path.join(TMP, "checkout")
        sources = package_files()
        assert not any("_pb2" in f or f.endswith("_version.py") for f in sources), sources
        copy_tree(sources + proto_files() + ["VERSION"], cls.checkout)
        subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", VENV],
                       check=True)
        cls.install = pip_install(cls.checkout)
        cls.server = StsServer()

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0

    def test_the_installed_package_works_and_reports_the_version(self):
        self.assertEqual(self.install.returncode, 0, self.install.stdout)
        with open(runfile("VERSION")) as f:
            version = f.read().strip()
        run = subprocess.run([os.path.join(VENV, "bin/python"), runfile(
            "tests/python/installed_client.py"), self.server.address, self.server.pki],
            cwd=TMP, env=dict(os.environ, PYTHONPATH=""), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stderr)
        lines = run.stdout.splitlines()
        print("\n".join(lines))
        self.assertEqual(lines[0], version)
        self.assertTrue(lines[1].startswith("module " + os.path.join(VENV, "lib")), lines[1])
        steps = [line.split()[0] for line in lines[2:]]
        self.assertEqual(steps, ["issued", "verified", "answer", "renewed", "cancelled", "refused"])
        self.assertEqual(lines[3], "verified spiffe://sts.dev/client")
        self.assertEqual(lines[5], "renewed 2")
        self.assertEqual(lines[-1], "refused FAILED_PRECONDITION wst:InvalidSecurityToken")

    def test_the_wheel_holds_the_generated_stubs(self):
        self.assertEqual(self.install.returncode, 0, self.install.stdout)
        show = subprocess.run([os.path.join(VENV, "bin/pip"), "show", "-f", "sts-client"],
                              env=PIP_ENV, stdout=subprocess.PIPE, text=True, check=True).stdout
        for module in ("sts_client/_version.py", "sts_client/proto/sts_pb2_grpc.py",
                       "sts_client/proto/protected_message_pb2.py",
                       "sts_client/proto/rpc_status_pb2.py"):
            self.assertIn(module, show)
        # The stubs import each other inside the package: no top-level `sts`.
        self.assertNotIn("\n  sts/", show)

    def test_outside_the_checkout_the_build_refuses_clearly(self):
        lonely = os.path.join(TMP, "lonely")
        copy_tree(package_files(), lonely)
        result = pip_install(lonely)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("builds only from the repository checkout", result.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
