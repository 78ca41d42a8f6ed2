#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ from the requests of tests/vectors/*.http.

Run from the repository root: `python3 fuzz/seed_corpus.py`. Seeds are named
`seed-<vector>`; files the fuzzer added are left alone. Follow with
`cargo +nightly fuzz cmin <target>` before committing a grown corpus.
"""
import pathlib, re, hashlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"


def unescape(text: str) -> bytes:
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "x":
            out.append(int(text[i + 2 : i + 4], 16))
            i += 4
            continue
        out += {"r": b"\r", "n": b"\n", "t": b"\t", "\\": b"\\"}[nxt]
        i += 2
    return bytes(out)


def request_bytes(vector: str) -> bytes:
    lines = vector.split("--- request\n", 1)[1].split("--- expect\n", 1)[0].split("\n")[:-1]
    out = bytearray()
    for line in lines:
        trailing = len(line) - len(line.rstrip("\\"))
        joined = trailing % 2 == 1
        out += unescape(line[:-1] if joined else line)
        if not joined:
            out += b"\r\n"
    return bytes(out)


def knobs(vector: str) -> int:
    """The h1_connection setup byte matching a vector's settings (see tests/src/fuzz.rs)."""
    settings = dict(
        (line[1:].strip().split(" ", 1) + [""])[:2] for line in vector.splitlines() if line.startswith("%")
    )
    byte = {"echo": 0, "fail": 1, "stream": 2, "ignore-body": 3}.get(settings.get("app", "echo"), 0)
    if int(settings.get("buffer", "4096")) <= 96:
        byte |= 4
    if settings.get("headers") == "4":
        byte |= 8
    if int(settings.get("max_body_len", str(1 << 20))) <= 8:
        byte |= 16
    if "wait" in settings:
        byte |= 32
    return byte


def write(target: str, name: str, data: bytes) -> None:
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / f"seed-{name}").write_bytes(data)


for path in sorted((ROOT / "tests" / "vectors").glob("*.http")):
    text = path.read_text()
    data = request_bytes(text)
    name = path.stem
    write("h1_head", name, data)
    # h1_connection: the vector's setup as a byte, then the stream.
    write("h1_connection", name, bytes([knobs(text)]) + data)
    # h1_chunked: the body after a chunked head, if the vector has one.
    m = re.search(rb"transfer-encoding: *chunked\r\n(?:.*?\r\n)*?\r\n", data, re.I | re.S)
    if m:
        write("h1_chunked", name, data[m.end():])
