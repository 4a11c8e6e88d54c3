#!/usr/bin/python3
"""make_install_tree.py's decisions on their own: which headers an install
holds, what a version means for the files, and what it refuses."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.environ.get("TEST_SRCDIR", "."), "sts/packaging"))
import make_install_tree  # noqa: E402

Refused = make_install_tree.Refused


class HeaderClosureTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
        self.available = {}

    def header(self, include, *includes):
        path = os.path.join(self.dir, include.replace("/", "_"))
        with open(path, "w", encoding="utf-8") as f:
            f.write("#pragma once\n")
            for i in includes:
                f.write(f'#include "{i}"\n')
            f.write("#include <vector>\n")
        self.available[include] = path

    def test_follows_our_includes_transitively_and_nothing_else(self):
        self.header("client/public.h", "client/internal.h", "absl/status/status.h")
        self.header("client/internal.h", "sts/v1/token.pb.h")
        self.header("sts/v1/token.pb.h", "google/protobuf/message.h")
        self.header("client/unrelated.h")
        self.assertEqual(
            make_install_tree.header_closure(["client/public.h"], self.available),
            ["client/internal.h", "client/public.h", "sts/v1/token.pb.h"])

    def test_leaves_out_what_the_component_it_builds_on_installs(self):
        self.header("client/base.h", "client/shared.h")
        self.header("client/shared.h")
        self.header("client/soap/soap.h", "client/shared.h", "client/soap/xml.h")
        self.header("client/soap/xml.h")
        self.assertEqual(
            make_install_tree.header_closure(["client/soap/soap.h"], self.available,
                                             ["client/base.h"]),
            ["client/soap/soap.h", "client/soap/xml.h"])

    def test_refuses_an_include_of_ours_that_no_target_provides(self):
        self.header("client/public.h", "client/internal.h")
        self.header("client/internal.h", "sts/token/token.h")
        with self.assertRaisesRegex(Refused, "client/internal.h includes sts/token/token.h"):
            make_install_tree.header_closure(["client/public.h"], self.available)

    def test_refuses_a_public_header_it_does_not_have(self):
        with self.assertRaisesRegex(Refused, "public header client/missing.h"):
            make_install_tree.header_closure(["client/missing.h"], self.available)


class VersionTest(unittest.TestCase):
    def read(self, text):
        path = os.path.join(tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR")), "VERSION")
        with open(path, "w", encoding="ascii") as f:
            f.write(text)
        return make_install_tree.read_version(path)

    def test_before_one_the_soname_carries_the_minor_version(self):
        v = self.read("0.9.0\n")
        self.assertEqual((v["VERSION"], v["ABI_VERSION"], v["MAJOR"], v["MINOR"], v["PATCH"]),
                         ("0.9.0", "0.9", "0", "9", "0"))

    def test_from_one_on_the_soname_carries_the_major_version(self):
        self.assertEqual(self.read("2.13.4")["ABI_VERSION"], "2")

    def test_a_pre_release_sorts_before_its_release_in_debian(self):
        v = self.read("1.0.0-rc1")
        self.assertEqual((v["DEB_VERSION"], v["VERSION_NUMBERS"]), ("1.0.0~rc1", "1.0.0"))

    def test_refuses_what_is_not_a_version(self):
        for text in ["", "0.9", "v1.0.0", "1.0.0 beta", "1.a.0"]:
            with self.subTest(text=text), self.assertRaisesRegex(Refused, "version like 1.2.3"):
                self.read(text)


class FillTest(unittest.TestCase):
    def test_fills_placeholders(self):
        self.assertEqual(make_install_tree.fill("lib/@MULTIARCH@/x", {"MULTIARCH": "a-b"}),
                         "lib/a-b/x")

    def test_refuses_a_placeholder_it_has_no_value_for(self):
        with self.assertRaisesRegex(Refused, "unknown placeholder @PREFIX@"):
            make_install_tree.fill("@PREFIX@/lib", {"MULTIARCH": "a-b"})


if __name__ == "__main__":
    unittest.main()
