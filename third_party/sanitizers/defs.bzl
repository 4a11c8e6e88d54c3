"""What targets that ship plain builds use to sit out the sanitizer passes."""

# For target_compatible_with: the target is skipped under --config=asan and
# --config=tsan. For tests of what other teams consume (installed packages,
# a plain compiler, no sanitizer runtime): a sanitized shared library needs
# its runtime loaded first, a property of the build flags, not of the code,
# which the library's own tests check under both sanitizers.
NOT_UNDER_SANITIZERS = select({
    "//third_party/sanitizers:sanitized": ["//third_party:incompatible"],
    "//conditions:default": [],
})
