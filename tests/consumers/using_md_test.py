#!/usr/bin/python3
"""docs/USING.md shows the consumer examples' build files as copy-paste
blocks; the tests build the files themselves. This keeps the two the same:
each block must equal its file line for line once comments and blank lines
are left out (the page may comment differently), with the Bazel example's
checkout path as the page writes it. A block missing from the page fails too.

  using_md_test.py                   as a Bazel test: the CMake and make blocks
  using_md_test.py --checkout DIR    all of them, the out-of-tree Bazel
                                     workspace's too (.bazelignore hides it from
                                     Bazel; bazel_consumer_test.sh runs this)
"""
import os
import re
import sys

# (file, the page's fence language, text only that file's block holds,
#  replacements that turn the page's block into the file's)
INSTALLED = [
    ("tests/consumers/cmake/CMakeLists.txt", "cmake", "project(orders ", []),
    ("tests/consumers/pkgconfig/Makefile", "make", "sts_cflags :=", []),
]
BAZEL = [
    ("tests/consumers/bazel/WORKSPACE", "python", "workspace(name", [('"/src/sts"', '"../sts"')]),
    ("tests/consumers/bazel/.bazelrc", "", "build --cxxopt", []),
    ("tests/consumers/bazel/BUILD.bazel", "python", "cc_grpc_proto(", []),
]


def code_lines(text):
    """The lines that are not comments, inline comments cut, blanks dropped."""
    lines = []
    for line in text.splitlines():
        line = re.sub(r"\s+#\s.*$", "", line).rstrip()
        if line and not line.lstrip().startswith("#"):
            lines.append(line)
    return lines


def blocks(page):
    return re.findall(r"^```([a-z]*)\n(.*?)^```$", page, re.S | re.M)


def main(argv):
    if argv[:1] == ["--checkout"] and len(argv) == 2:
        root, examples = argv[1], INSTALLED + BAZEL
    elif not argv:
        root, examples = os.path.join(os.environ["TEST_SRCDIR"], "sts"), INSTALLED
    else:
        print("usage: using_md_test.py [--checkout DIR]", file=sys.stderr)
        return 2
    with open(os.path.join(root, "docs/USING.md")) as f:
        page = f.read()
    found = blocks(page)
    failures = []
    for path, language, marker, replacements in examples:
        matching = [text for lang, text in found if lang == language and marker in text]
        if len(matching) != 1:
            failures.append(f"{path}: {len(matching)} ```{language} blocks with {marker!r}, not 1")
            continue
        text = matching[0]
        for old, new in replacements:
            text = text.replace(old, new)
        with open(os.path.join(root, path)) as f:
            want = code_lines(f.read())
        got = code_lines(text)
        if got != want:
            first = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w),
                         min(len(got), len(want)))
            failures.append(f"{path}: the page's block differs at code line {first + 1}: "
                            f"page {got[first:first + 1]}, file {want[first:first + 1]}")
    for failure in failures:
        print("FAIL:", failure, file=sys.stderr)
    if failures:
        return 1
    print(f"PASS: {len(examples)} blocks of docs/USING.md are their files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
