"""A webhook receiver for the notification tests: verifies each delivery's signature with the
`standardwebhooks` package (an implementation independent of Vellum's) using the secret in the
file named by argv[1], appends what it saw as one JSON line to argv[2], and answers with the
statuses in argv[3] in turn (comma-separated; the last one repeats). POSTs to /redirect are
answered 302 to /elsewhere. With a certificate and key file as argv[4] and argv[5] it speaks
TLS. Prints its port, then serves until its stdin closes."""

import json
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

SECRET_FILE, LOG_FILE, STATUSES = sys.argv[1], sys.argv[2], [int(s) for s in sys.argv[3].split(",")]
lock = threading.Lock()
answered = [0]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        with open(SECRET_FILE, encoding="utf-8") as f:
            secret = f.read().strip()
        try:
            payload = Webhook(secret).verify(body, headers)
            verified = True
        except Exception as e:  # noqa: BLE001 - any failure is "not verified"
            payload, verified = {"error": str(e)}, False
        with lock:
            if self.path == "/redirect":
                status = 302
            else:
                status = STATUSES[min(answered[0], len(STATUSES) - 1)]
                answered[0] += 1
            record = {
                "path": self.path,
                "id": headers.get("webhook-id"),
                "verified": verified,
                "payload": payload,
                "status": status,
            }
            with open(LOG_FILE, "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "/elsewhere")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if len(sys.argv) > 5:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[4], sys.argv[5])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
