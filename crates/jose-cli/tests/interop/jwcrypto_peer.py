"""The other side of the interoperability tests: jwcrypto (https://github.com/latchset/jwcrypto).

Usage: jwcrypto_peer.py COMMAND ARGS... ; input on stdin, result on stdout, exit 1 on failure.
       jwcrypto_peer.py batch ; stdin: a JSON list of [COMMAND, [ARGS...], STDIN_BASE64URL];
       stdout: a JSON list of {"code": 0 or 1, "out": BASE64URL, "err": TEXT}, one per command.
"""
import base64
import io
import json
import sys

from jwcrypto import jwe, jwk, jws, jwt
from jwcrypto.common import json_encode

JWS_ALGS = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384",
            "PS512", "ES256", "ES256K", "ES384", "ES512", "EdDSA", "Ed25519"]
JWE_ALGS = ["A128KW", "A192KW", "A256KW", "A128GCMKW", "A192GCMKW", "A256GCMKW", "dir",
            "ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A192KW", "ECDH-ES+A256KW", "RSA-OAEP",
            "RSA-OAEP-256", "PBES2-HS256+A128KW", "PBES2-HS384+A192KW", "PBES2-HS512+A256KW"]
ENCS = ["A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512", "A128GCM", "A192GCM", "A256GCM"]


def key(path):
    with open(path, "rb") as f:
        return jwk.JWK.from_json(f.read())


def main(cmd, args, data):
    out = io.BytesIO()

    def stdin():
        return data

    if cmd == "sign":  # KEY ALG [--json]
        k, alg = key(args[0]), args[1]
        s = jws.JWS(stdin())
        s.allowed_algs = JWS_ALGS
        header = {"alg": alg}
        if k.get("kid"):
            header["kid"] = k.get("kid")
        s.add_signature(k, None, json_encode(header))
        out.write(s.serialize(compact="--json" not in args).encode())
    elif cmd == "verify":  # KEY ALG
        k, alg = key(args[0]), args[1]
        s = jws.JWS()
        s.allowed_algs = [alg]
        s.deserialize(stdin().decode().strip())
        s.verify(k, alg)
        out.write(s.payload)
    elif cmd == "encrypt":  # KEY ALG ENC [--zip]
        k, alg, enc = key(args[0]), args[1], args[2]
        header = {"alg": alg, "enc": enc}
        if "--zip" in args:
            header["zip"] = "DEF"
        if k.get("kid"):
            header["kid"] = k.get("kid")
        e = jwe.JWE(stdin(), json_encode(header))
        e.allowed_algs = JWE_ALGS + ENCS
        e.add_recipient(k)
        out.write(e.serialize(compact=True).encode())
    elif cmd == "decrypt":  # KEY ALG ENC
        k, alg, enc = key(args[0]), args[1], args[2]
        e = jwe.JWE()
        e.allowed_algs = [alg, enc]
        e.deserialize(stdin().decode().strip(), key=k)
        out.write(e.payload)
    elif cmd == "jwt-sign":  # KEY ALG CLAIMS_JSON
        k, alg = key(args[0]), args[1]
        header = {"alg": alg, "typ": "JWT"}
        if k.get("kid"):
            header["kid"] = k.get("kid")
        t = jwt.JWT(header=header, claims=json.loads(args[2]))
        t.make_signed_token(k)
        out.write(t.serialize().encode())
    elif cmd == "jwt-verify":  # KEY ALG ; prints the claims
        k, alg = key(args[0]), args[1]
        t = jwt.JWT(jwt=stdin().decode().strip(), key=k, algs=[alg], check_claims={})
        out.write(t.claims.encode())
    elif cmd == "thumbprint":  # KEY
        out.write(key(args[0]).thumbprint().encode())
    elif cmd == "pem-to-jwk":  # PEM_FILE
        with open(args[0], "rb") as f:
            k = jwk.JWK.from_pem(f.read())
        out.write(k.export(private_key=k.has_private).encode())
    elif cmd == "jwk-to-pem":  # KEY [--public]
        k = key(args[0])
        out.write(k.export_to_pem(private_key="--public" not in args and k.has_private,
                                  password=None))
    else:
        raise ValueError(f"unknown command {cmd}")
    return out.getvalue()


def b64encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def run(cmd, args, data):
    """(exit code, stdout bytes, stderr text) of one command."""
    try:
        return 0, main(cmd, args, data), ""
    except Exception as e:  # noqa: BLE001 - any refusal is exit 1 for the test driver
        return 1, b"", f"jwcrypto: {type(e).__name__}: {e}\n"


if __name__ == "__main__":
    if sys.argv[1] == "batch":
        results = []
        for cmd, args, data in json.load(sys.stdin):
            code, out, err = run(cmd, args, b64decode(data))
            results.append({"code": code, "out": b64encode(out), "err": err})
        sys.stdout.write(json.dumps(results))
    else:
        code, out, err = run(sys.argv[1], sys.argv[2:], sys.stdin.buffer.read())
        sys.stdout.buffer.write(out)
        sys.stderr.write(err)
        sys.exit(code)
