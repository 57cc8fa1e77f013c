#!/usr/bin/python3
"""How long a journal entry takes to reach a GET /__admin/journal/stream reader.

usage: stream-latency.py [PAYMOCK_BIN] [N]

Starts PAYMOCK_BIN (default build/paymock) on a free loopback port, opens the
stream of a fresh session, then makes N (default 200) SmartPay refunds one
after the other; for each, the time from the request's first byte to its
entry's event on the stream (the entry is journaled before the reply is
written, so it may come before the reply).  Prints min, median, p95 and max
in milliseconds.  The console renders that event; this is the server's part.
"""
import socket
import statistics
import subprocess
import sys
import time

MERCHANT = "31928de9-1344-469f-b0eb-8e5d0fef3d21"
TXN = "933a0fab-80a0-42c5-b010-c71174f4ab32"


def request(port, session, mod_id):
    body = ('{"merchantKey":"%s","transactionId":"%s","modificationId":"%s",'
            '"modifiedAmount":{"amount":0.01,"currencyCode":"EUR"}}' % (MERCHANT, TXN, mod_id))
    return ("POST /smartpay/payment/refund HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Connection: close\r\nContent-Type: application/json\r\nAccept-Language: en-US\r\n"
            "X-Paymock-Session: %s\r\nContent-Length: %d\r\n\r\n%s"
            % (session, len(body), body)).encode()


def main(argv):
    binary = argv[1] if len(argv) > 1 else "build/paymock"
    n = int(argv[2]) if len(argv) > 2 else 200
    server = subprocess.Popen([binary, "--port", "0", "--quiet"], stdout=subprocess.PIPE,
                              text=True)
    try:
        port = int(server.stdout.readline().rsplit(":", 1)[1])
        stream = socket.create_connection(("127.0.0.1", port))
        stream.sendall(b"GET /__admin/journal/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       b"X-Paymock-Session: latency\r\n\r\n")
        seen = b""
        while b"\r\n\r\n" not in seen:
            seen += stream.recv(65536)
        seen = b""
        ms = []
        for i in range(n):
            mod_id = "lat-%d" % i
            needle = ('"modificationId":"%s"' % mod_id).encode()
            client = socket.create_connection(("127.0.0.1", port))
            t0 = time.perf_counter()
            client.sendall(request(port, "latency", mod_id))
            while needle not in seen:
                seen += stream.recv(65536)
            ms.append((time.perf_counter() - t0) * 1000)
            seen = seen[seen.index(needle):]
            while client.recv(65536):
                pass
            client.close()
        ms.sort()
        print("stream latency over %d refunds (ms): min %.3f  median %.3f  p95 %.3f  max %.3f"
              % (n, ms[0], statistics.median(ms), ms[int(0.95 * (n - 1))], ms[-1]))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main(sys.argv)
