#!/usr/bin/env python3
"""A scripted OAuth 2.0 authorization server for the tests: HTTPS on
127.0.0.1 with the test CA's server certificate.

    oauthserver.py --port-file F --cert C --key K --log LOG --mode MODEFILE

Endpoints: POST /device (RFC 8628 device authorization) and POST /token
(refresh_token and device_code grants).  Each request is logged as one line
"PATH key=value ..." (the form, as sent).  How it answers is read from the
JSON object in MODEFILE at each request, so a test can change it between
runs:

    token      "ok" (default), "invalid_grant", "500", "malformed",
               "huge" (10 MiB), "notbearer", "longerror" (a 400-byte code)
    lifetime   expires_in of the access tokens it issues (default 3600)
    rotate     true: each refresh also issues a new refresh token
    pending    how many device polls answer authorization_pending (default 1)
    slow_down  how many polls after those answer slow_down (default 0)
    device     "ok" (default), "denied", "expired": how the polls end
    verification_uri  what /device answers (default https://example.test/device)

Access tokens are "at-N", refresh tokens "rt-N", N counting from 1.

GET /authorize plays the user who agrees: it keeps the PKCE challenge and
redirects to the redirect_uri with a code and the state; POST /token with
grant_type=authorization_code then checks code, redirect_uri and
code_verifier (S256).  "authorize": "deny" in MODEFILE redirects with
error=access_denied instead.

POST /introspect (RFC 7662, as Dovecot's oauth2 passdb asks) answers
{"active": true, "username": "test"} for an access token it issued that has
not expired, {"active": false} for any other.
"""

import argparse
import base64
import hashlib
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

state = {"n": 0, "polls": 0, "issued": {}, "codes": {}}
lock = threading.Lock()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--mode", required=True)
    args = ap.parse_args()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def mode(self):
            try:
                with open(args.mode) as f:
                    return json.load(f)
            except (OSError, ValueError):
                return {}

        def answer(self, code, obj=None, raw=None):
            body = raw if raw is not None else json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def tokens(self, m, refresh=None):
            with lock:
                state["n"] += 1
                n = state["n"]
            life = m.get("lifetime", 3600)
            with lock:
                state["issued"]["at-%d" % n] = time.time() + life
            out = {"access_token": "at-%d" % n, "token_type": "Bearer",
                   "expires_in": life}
            if refresh is None or m.get("rotate"):
                out["refresh_token"] = "rt-%d" % n
            return out

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
            with open(args.log, "a") as log:
                log.write("GET %s %s\n" % (url.path, " ".join(
                    "%s=%s" % kv for kv in sorted(q.items()))))
            if url.path != "/authorize":
                return self.answer(404, {"error": "not_found"})
            if self.mode().get("authorize") == "deny":
                loc = q["redirect_uri"] + "?" + urllib.parse.urlencode(
                    {"error": "access_denied", "state": q.get("state", "")})
            else:
                with lock:
                    code = "code-%d" % (len(state["codes"]) + 1)
                    state["codes"][code] = (q.get("code_challenge"),
                                            q.get("redirect_uri"))
                loc = q["redirect_uri"] + "?" + urllib.parse.urlencode(
                    {"code": code, "state": q.get("state", "")})
            self.send_response(302)
            self.send_header("Location", loc)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            form = urllib.parse.parse_qs(self.rfile.read(n).decode())
            form = {k: v[0] for k, v in form.items()}
            with open(args.log, "a") as log:
                log.write("%s %s\n" % (self.path, " ".join(
                    "%s=%s" % kv for kv in sorted(form.items()))))
            m = self.mode()
            if self.path == "/introspect":
                tok = form.get("token", "")
                with lock:
                    good = state["issued"].get(tok, 0) > time.time()
                return self.answer(200, {"active": True, "username": "test"}
                                   if good else {"active": False})
            if self.path == "/device":
                with lock:
                    state["polls"] = 0
                return self.answer(200, {
                    "device_code": "dc-1", "user_code": "WDJB-MJHT",
                    "verification_uri": m.get("verification_uri",
                                              "https://example.test/device"),
                    "expires_in": 60, "interval": 1})
            if self.path != "/token":
                return self.answer(404, {"error": "not_found"})
            grant = form.get("grant_type", "")
            if grant.endswith("device_code"):
                with lock:
                    state["polls"] += 1
                    p = state["polls"]
                pending = m.get("pending", 1)
                slow = m.get("slow_down", 0)
                if p <= pending:
                    return self.answer(400, {"error":
                                             "authorization_pending"})
                if p <= pending + slow:
                    return self.answer(400, {"error": "slow_down"})
                end = m.get("device", "ok")
                if end == "denied":
                    return self.answer(400, {"error": "access_denied"})
                if end == "expired":
                    return self.answer(400, {"error": "expired_token"})
                return self.answer(200, self.tokens(m))
            if grant == "authorization_code":
                with lock:
                    want = state["codes"].pop(form.get("code"), None)
                v = form.get("code_verifier", "").encode()
                got = base64.urlsafe_b64encode(
                    hashlib.sha256(v).digest()).rstrip(b"=").decode()
                if (want is None or want[0] != got or
                        want[1] != form.get("redirect_uri")):
                    return self.answer(400, {"error": "invalid_grant"})
                return self.answer(200, self.tokens(m))
            if grant != "refresh_token":
                return self.answer(400, {"error": "unsupported_grant_type"})
            t = m.get("token", "ok")
            if t == "invalid_grant":
                return self.answer(400, {
                    "error": "invalid_grant",
                    "error_description": "token revoked\x01\n\r\x07\x08"})
            if t == "longerror":
                return self.answer(400, {"error": "x" * 400})
            if t == "500":
                return self.answer(500, raw=b"<html>oops</html>")
            if t == "malformed":
                return self.answer(200, raw=b'{"access_token": 12')
            if t == "huge":
                return self.answer(200, raw=b"{" + b" " * (10 << 20) + b"}")
            if t == "notbearer":
                return self.answer(200, {"access_token": "x",
                                         "token_type": "mac"})
            return self.answer(200, self.tokens(m, form.get(
                "refresh_token")))

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
