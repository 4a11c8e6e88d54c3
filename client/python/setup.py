"""Builds sts_client from the checkout: the version is read from the
repository's VERSION and the sts.v1 stubs are generated from its proto/ with
Debian's protoc (codegen.py), into the build directory only. The source tree
holds neither, so they never drift from the checkout."""

import os
import sys

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = os.path.dirname(os.path.dirname(HERE))
PROTO_ROOT = os.path.join(REPOSITORY, "proto")
VERSION_FILE = os.path.join(REPOSITORY, "VERSION")

sys.path.insert(0, HERE)
import codegen  # noqa: E402  (beside this file)

if not (os.path.isfile(VERSION_FILE) and os.path.isdir(PROTO_ROOT)):
    raise SystemExit("sts-client builds only from the repository checkout (client/python, with "
                     f"../../VERSION and ../../proto); not found under {REPOSITORY}")


class BuildWithGeneratedCode(build_py):
    """build_py, plus sts_client/_version.py and sts_client/proto/."""

    def run(self):
        super().run()
        if not self.dry_run:
            codegen.generate(PROTO_ROOT, VERSION_FILE, self.build_lib)


setup(version=codegen.read_version(VERSION_FILE),
      cmdclass={"build_py": BuildWithGeneratedCode})
