#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""pyhttp_backlog.py ADDRESS PORT DIRECTORY [BACKLOG]

`python3 -m http.server --bind ADDRESS --directory DIRECTORY PORT` as the
bench's Python row runs it (ThreadingHTTPServer, SimpleHTTPRequestHandler,
HTTP/1.0: the server closes first), with one difference: the listen backlog
is BACKLOG (default 128) instead of socketserver's request_queue_size of 5.
With 16 connections at 1000-2000 conn/s a queue of 5 overflows tens of times
per second behind any NAT (nstat TcpExtListenOverflows), and the drops' 1 s
SYN and 200 ms request retransmissions then set the row; with 128 they do
not, and the row shows the NAT and the server's CPU (tests/bench/README.md,
"tap rows, stop 29"). Prints one line when it listens; runs until killed.
"""
import functools
import http.server
import sys


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__.splitlines()[0])
    addr, port, directory = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    backlog = int(sys.argv[4]) if len(sys.argv) == 5 else 128
    if not 1 <= backlog <= 65535 or not 0 < port < 65536:
        sys.exit("pyhttp_backlog.py: port 1-65535, backlog 1-65535")

    class Server(http.server.ThreadingHTTPServer):
        request_queue_size = backlog

    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=directory)
    http.server.SimpleHTTPRequestHandler.protocol_version = "HTTP/1.0"
    with Server((addr, port), handler) as httpd:
        print(f"listening on {addr} port {port}, backlog {backlog}", flush=True)
        httpd.serve_forever()


if __name__ == "__main__":
    main()
