#!/usr/bin/python3
"""Runs the sts_client unit tests (test_*.py beside this file) against the
package as Bazel built it (sources plus generated stubs in the runfiles), with
Debian's /usr/bin/python3. Exit status 0 only if every test passed."""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
# Under Bazel the package (with its generated modules) is in the runfiles.
PACKAGE_ROOT = (os.path.join(os.environ["TEST_SRCDIR"], "sts/client/python")
                if "TEST_SRCDIR" in os.environ else os.path.dirname(HERE))
TESTS = os.path.join(PACKAGE_ROOT, "tests")
sys.path[:0] = [PACKAGE_ROOT, TESTS]

if __name__ == "__main__":
    suite = unittest.defaultTestLoader.discover(TESTS, pattern="test_*.py",
                                                top_level_dir=TESTS)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
