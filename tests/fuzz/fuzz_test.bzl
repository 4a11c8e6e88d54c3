"""fuzz_test: one fuzz target, built two ways from the same sources.

Default build (g++): a cc_test whose main() (seed_driver.cc) runs every file
of the target's checked-in seed corpus, corpus/<name>/, once; it fails on a
crash, a sanitizer report (under --config=asan) or a harness invariant. So
`bazel test //...` and CI exercise every target in seconds.

--config=fuzz (clang-14, .bazelrc): the same target links libFuzzer's own
main() instead, so bazel-bin/tests/fuzz/<name> is a libFuzzer binary. Run as
a test there, it executes the seed corpus once (-runs=0); run by hand, it
fuzzes (tests/fuzz/README.md).
"""

def fuzz_test(name, srcs, deps = [], **kwargs):
    """A fuzz target `name` defining LLVMFuzzerTestOneInput in `srcs`.

    Args:
      name: the target; its seed corpus is corpus/<name>/ in this package.
      srcs: the harness sources.
      deps: what the harness links.
      **kwargs: passed to cc_test (size, tags, ...).
    """
    corpus = "corpus/" + name
    native.cc_test(
        name = name,
        srcs = srcs,
        # An empty or missing corpus fails the test (seed_driver.cc), so a
        # new target builds before make_seeds has written its seeds.
        data = native.glob([corpus + "/*"], allow_empty = True),
        # libFuzzer: run the corpus once and stop. The seed driver ignores
        # flags, so one command line serves both builds.
        args = [
            "-runs=0",
            native.package_name() + "/" + corpus,
        ],
        # One self-contained binary, to copy out of bazel-bin and fuzz for
        # hours while other builds replace bazel-bin.
        linkstatic = True,
        linkopts = select({
            "//tests/fuzz:libfuzzer": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        deps = deps + select({
            "//tests/fuzz:libfuzzer": [],
            "//conditions:default": ["//tests/fuzz:seed_driver"],
        }),
        **kwargs
    )
