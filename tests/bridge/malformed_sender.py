"""A hand-made bridge sender (pyzmq, plaintext) that sends valid batches of
the cross-language test messages mixed with malformed ones, replays and a
gap, then the end of stream (tests/bridge/run.sh). It encodes the wire
format of docs/bridge.md on its own, so it also checks that document.

malformed_sender.py tcp://HOST:PORT SLOT_BYTES EXPECTED_REPORT

Writes to EXPECTED_REPORT what a consumer's --report must then hold, and
prints the counters the receiver must show.
"""

import os
import struct
import sys

import zmq

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples", "cross", "python"))
import message  # noqa: E402  (the cross-language test message)

MAGIC, VERSION, DATA, END = 0x42524853, 1, 1, 2
SOURCE, EPOCH, WRITER = 0x1234, 1, 0


def header(kind, count, first_seq, magic=MAGIC, version=VERSION, missed=0):
    return struct.pack("<IHHIIQQQ", magic, version, kind, count, missed, SOURCE, EPOCH, first_seq)


def encoded(seq, slot_bytes):
    n = message.length(WRITER, seq, slot_bytes)
    out = bytearray(n)
    message.encode_into(out, WRITER, seq, n)
    return bytes(out)


def data_batch(first_seq, count, slot_bytes):
    """A valid batch: all these messages are small, so one packed frame."""
    msgs = [encoded(s, slot_bytes) for s in range(first_seq, first_seq + count)]
    lengths = struct.pack(f"<{count}I", *(len(m) for m in msgs))
    return [header(DATA, count, first_seq), lengths, b"".join(msgs)]


def main():
    endpoint, slot_bytes, report_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    good = data_batch(0, 10, slot_bytes)
    big = bytes(slot_bytes + 1)
    bad = [
        [header(DATA, 10, 0, magic=0xDEADBEEF)] + good[1:],      # bad magic
        [header(DATA, 10, 0, version=2)] + good[1:],             # another version
        [header(DATA, 10, 0), good[1][:8], good[2]],             # lengths frame too short
        [header(DATA, 1, 100), struct.pack("<I", len(big)), big],  # oversized message
        [header(DATA, 10, 0), good[1], good[2][:-1]],            # payload one byte short
        [header(DATA, 10, 0), good[1], good[2][:5], good[2][5:]],  # frames not as laid out
        [header(DATA, 5, 0)],                                    # no lengths, no payload
        [header(DATA, 10, 0)[:39]] + good[1:],                   # truncated header
        [header(7, 0, 0)],                                       # unknown type
    ]
    batches = [good] + bad + [
        good,                                # a replay: 10 duplicates
        data_batch(5, 10, slot_bytes),       # 5..14: 5 duplicates, 10..14 new
        data_batch(20, 5, slot_bytes),       # 20..24: a gap of 5 (15..19)
        [header(END, 0, 25)],                # end of stream after 24
    ]
    ctx = zmq.Context()
    push = ctx.socket(zmq.PUSH)
    push.setsockopt(zmq.LINGER, 30000)
    push.connect(endpoint)
    for frames in batches:
        push.send_multipart(frames)
    push.close()
    ctx.term()
    with open(report_path, "w") as f:
        for s in list(range(0, 15)) + list(range(20, 25)):
            n = message.length(WRITER, s, slot_bytes)
            f.write(f"{WRITER} {s}\n" if n >= message.HEADER else f"short {n}\n")
    print(f"malformed_sender: sent {len(batches)} batches ({len(bad)} malformed) to {endpoint}")
    print(f"expect messages=20 duplicates=15 gaps=5 refused_batches={len(bad)} oversized=1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
