"""Sends garbage bytes to a bridge receiver's port (tests/bridge/run.sh):
a TCP connection that is not ZeroMQ, then an abrupt close.

garbage.py HOST PORT [--bytes N] [--seed S]
"""

import argparse
import random
import socket
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--bytes", type=int, default=4096)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    data = random.Random(args.seed).randbytes(args.bytes)
    with socket.create_connection((args.host, args.port), timeout=30) as s:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            while s.recv(4096):  # until the receiver drops us
                pass
        except OSError as e:  # a reset is the expected answer
            print(f"garbage: connection ended: {e}")
    print(f"garbage: sent {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
