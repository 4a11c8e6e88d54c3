#!/usr/bin/env bash
# What //packaging makes, checked against the repository's VERSION and
# against each other: every version report (stsctl --version, the Debian
# packages, version.h, the pkg-config and CMake files, the library file names
# and SONAMEs), each Debian package holding exactly its install tree, its
# Depends all real installed packages, the public headers without the
# internal ones, and the two libraries split as they should be (the client
# loads no XML library; the soap library holds none of the client's objects
# and loads it instead).
set -euo pipefail
RUNFILES=$TEST_SRCDIR/sts
fail() { echo "FAIL: $*" >&2; exit 1; }

version=$(tr -d '[:space:]' <"$RUNFILES/VERSION")
major=${version%%.*} rest=${version#*.}
if ((major == 0)); then abi=$major.${rest%%.*}; else abi=$major; fi
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
tree=$RUNFILES/packaging/sts-client/usr
soap=$RUNFILES/packaging/sts-client-soap/usr
lib=$tree/lib/$arch

[[ $("$RUNFILES/client/stsctl/stsctl" --version) == "stsctl $version" ]] ||
  fail "stsctl --version says '$("$RUNFILES/client/stsctl/stsctl" --version)', VERSION $version"
grep -qx "#define STS_CLIENT_VERSION \"$version\"" "$tree/include/sts-client/client/version.h" ||
  fail "the installed version.h is not $version"
grep -qx "Version: $version" "$lib/pkgconfig/sts-client.pc" || fail "sts-client.pc is not $version"
grep -qx "Version: $version" "$soap/lib/$arch/pkgconfig/sts-client-soap.pc" ||
  fail "sts-client-soap.pc is not $version"
grep -qF "set(PACKAGE_VERSION \"${version%%[-+]*}\")" "$lib/cmake/StsClient/StsClientConfigVersion.cmake" ||
  fail "StsClientConfigVersion.cmake is not $version"

for component in sts-client sts-client-soap; do
  deb=$RUNFILES/packaging/$component.deb
  [[ $(dpkg-deb -f "$deb" Package) == "$component" ]] || fail "$deb is not $component"
  [[ $(dpkg-deb -f "$deb" Version) == "${version//-/\~}" ]] || fail "$deb is not version $version"
  [[ $(dpkg-deb -f "$deb" Architecture) == "$(dpkg --print-architecture)" ]] ||
    fail "$deb is not for $(dpkg --print-architecture)"
  # Exactly the install tree, owned by root.
  diff <(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./||; s|/$||' | grep . | sort) \
    <(cd "$RUNFILES/packaging/$component" && find . -mindepth 1 | sed 's|^\./||' | sort) ||
    fail "$deb does not hold exactly its install tree (above: < the package, > the tree)"
  if dpkg-deb -c "$deb" | awk '{ print $2 }' | grep -v '^root/root$' >/dev/null; then
    fail "$deb has files not owned by root"
  fi
  # Every Depends is a package this machine has (the libraries were linked here).
  dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/([^)]*)//; s/^ *//; s/ *$//' | while read -r p; do
    [[ $p == sts-client ]] && continue
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "install ok installed" >/dev/null ||
      fail "$deb depends on $p, which is not an installed package"
  done
done
[[ $(dpkg-deb -f "$RUNFILES/packaging/sts-client-soap.deb" Depends) == "sts-client (= ${version//-/\~})"* ]] ||
  fail "sts-client-soap does not depend on exactly sts-client $version"

for library in sts-client sts-client-soap; do
  dir=$RUNFILES/packaging/$library/usr/lib/$arch
  # The links as the package holds them (the test's runfiles link every file).
  listing=$(dpkg-deb -c "$RUNFILES/packaging/$library.deb")
  grep -qE "^-.* \./usr/lib/$arch/lib$library\.so\.$version\$" <<<"$listing" ||
    fail "no file lib$library.so.$version in $library.deb"
  grep -qF "./usr/lib/$arch/lib$library.so.$abi -> lib$library.so.$version" <<<"$listing" ||
    fail "lib$library.so.$abi does not link to lib$library.so.$version"
  grep -qF "./usr/lib/$arch/lib$library.so -> lib$library.so.$abi" <<<"$listing" ||
    fail "lib$library.so does not link to lib$library.so.$abi"
  readelf -d "$dir/lib$library.so.$version" | grep -F "Library soname: [lib$library.so.$abi]" >/dev/null ||
    fail "the SONAME of lib$library.so is not lib$library.so.$abi"
  [[ -f $dir/lib$library.a ]] || fail "no lib$library.a"
done
client_needs=$(readelf -d "$lib/libsts-client.so.$version" | grep NEEDED)
for other in libxml2 libxmlsec1 libhiredis libgtest; do
  if grep -q "$other" <<<"$client_needs"; then fail "libsts-client.so loads $other"; fi
done
readelf -d "$soap/lib/$arch/libsts-client-soap.so.$version" | grep -F "[libsts-client.so.$abi]" >/dev/null ||
  fail "libsts-client-soap.so does not load libsts-client.so.$abi"
nm -C --defined-only "$lib/libsts-client.a" | grep "sts::ClientVersion()" >/dev/null ||
  fail "libsts-client.a lacks sts::ClientVersion()"
if nm -C --defined-only "$soap/lib/$arch/libsts-client-soap.a" | grep "sts::ClientVersion()" >/dev/null; then
  fail "libsts-client-soap.a repeats the client's objects"
fi

include=$tree/include/sts-client
for public in client/context/security_context.h client/verifier/verifier.h client/channel.h \
    client/grpc/protected_service.h client/wire/grpc_status.h sts/v1/sts.grpc.pb.h; do
  [[ -f $include/$public ]] || fail "$public is not installed"
done
# Internal headers no public one includes stay out; so does the server.
for internal in client/verifier/key_cache.h client/crypto/fatal.h client/grpc/call_protection.h \
    client/files.h client/soap/xmlsec_support.h; do
  [[ ! -e $include/$internal && ! -e $soap/include/sts-client/$internal ]] ||
    fail "the internal header $internal is installed"
done
[[ $(cd "$include" && find . -path ./sts/v1 -prune -o -path './sts/*' -print -quit) == "" ]] ||
  fail "server headers are installed"
[[ -f $soap/include/sts-client/client/soap/soap.h && ! -e $soap/include/sts-client/client/clock.h ]] ||
  fail "the soap tree should hold client/soap/ and nothing of sts-client"
[[ -f $tree/share/sts-client/proto/sts/v1/sts.proto && -f $tree/share/sts-client/proto/google/rpc/status.proto ]] ||
  fail "the protos are not installed"
echo "PASS: version $version everywhere; trees, packages and libraries as they should be"
