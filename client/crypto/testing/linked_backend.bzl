"""linked_backend_test: which libcrypto a build's binaries really load."""

def linked_backend_test(name, binaries, **kwargs):
    """An sh_test that `binaries` load the selected backend's libcrypto only.

    OpenSSL 3's libcrypto.so.3 by default; under --config=boringssl Android's
    BoringSSL libcrypto.so.0 and never OpenSSL's (two libcrypto in one
    process clash). See linked_backend_test.sh.

    Args:
      name: the test.
      binaries: labels of executables (e.g. cc_test targets) to check.
      **kwargs: passed to sh_test (size, ...).
    """
    native.sh_test(
        name = name,
        srcs = ["//client/crypto/testing:linked_backend_test.sh"],
        args = select({
            "//third_party:boringssl": ["boringssl"],
            "//conditions:default": ["openssl"],
        }) + ["$(rootpath {})".format(b) for b in binaries],
        data = binaries,
        **kwargs
    )
