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


def write(target: str, name: str, data: bytes) -> None:
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / f"seed-{name}").write_bytes(data)


for path in sorted((ROOT / "tests" / "vectors").glob("*.http")):
    data = request_bytes(path.read_text())
    name = path.stem
    write("h1_head", name, data)
    # h1_connection: a setup byte (echo app, big buffer), then the stream.
    write("h1_connection", name, b"\x00" + data)
    # h1_chunked: the body after a chunked head, if the vector has one.
    m = re.search(rb"transfer-encoding: *chunked\r\n(?:.*?\r\n)*?\r\n", data, re.I | re.S)
    if m:
        write("h1_chunked", name, data[m.end():])
