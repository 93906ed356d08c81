"""Serve the ASGI app with N Daphne processes sharing one listening socket.

Daphne is single-process; the kernel spreads connections over the processes that adopt the
same socket (`daphne --fd`). WebSocket groups still reach everyone through the Redis layer.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

DAPHNE = Path(sys.executable).with_name("daphne")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")))
    parser.add_argument("application", nargs="?", default="config.asgi:application")
    args = parser.parse_args(argv)

    if args.workers <= 1:
        os.execv(DAPHNE, [str(DAPHNE), "-b", args.host, "-p", str(args.port), args.application])

    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.host, args.port))
    listener.listen(1024)
    listener.set_inheritable(True)
    fd = listener.fileno()
    children = [
        subprocess.Popen([str(DAPHNE), "--fd", str(fd), args.application], pass_fds=(fd,))
        for _ in range(args.workers)
    ]
    print(f"Daphne ×{args.workers} on http://{args.host}:{args.port}", flush=True)

    def stop(signum, frame):
        for child in children:
            child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    codes = [child.wait() for child in children]
    return max(codes, default=0)


if __name__ == "__main__":
    sys.exit(main())
