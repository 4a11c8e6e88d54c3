"""What a new team's service does with the installed sts_client, from
client/python/README.md: run by python_install_test.py with the venv's
python, outside the checkout. Prints the package version first, then one line
per step; exits non-zero on any failure.

  installed_client.py STS_ADDRESS PKI_DIR
"""

import sys

import sts_client
from sts_client import (RenewalMode, SecurityContext, SecurityContextOptions, StsClient, StsError,
                        Verifier, mutual_tls_channel)

AUDIENCE = "spiffe://sts.dev/relying-party"


def main(address, pki):
    print(sts_client.__version__)
    print("module", sts_client.__file__)

    def channel(who):
        return mutual_tls_channel(address, ca_file=f"{pki}/ca.pem", cert_file=f"{pki}/{who}.pem",
                                  key_file=f"{pki}/{who}.key")
    client_channel, audience_channel = channel("client"), channel("relying-party")
    try:
        sts = StsClient(client_channel)
        verifier = Verifier(StsClient(audience_channel))
        options = SecurityContextOptions(renewal=RenewalMode.MANUAL)
        with SecurityContext.issue(sts, AUDIENCE, options=options) as context:
            print("issued", context.identifier, context.token().instance)
            request = context.sign(b"an order", "/orders/submit")
            caller = verifier.verify(request, "/orders/submit")
            print("verified", caller.principal)
            answer = verifier.seal(request.token, b"accepted", "/orders/submit")
            print("answer", context.open(answer, "/orders/submit").decode())
            context.renew_now()
            print("renewed", context.token().instance)
            context.cancel()
            print("cancelled")
            try:
                context.sign(b"too late", "/orders/submit")
            except StsError as error:
                print("refused", error.code().name, error.fault)
    finally:
        client_channel.close()
        audience_channel.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
