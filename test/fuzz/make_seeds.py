#!/usr/bin/env python3
"""Writes the seed corpora under test/fuzz/corpus/<target>/ (committed; rerun after editing).

The seeds are the examples of RFC 9110 / RFC 9112 and the vectors of test/unit/http/*.cpp, laid out
in each target's input format (see the comment at the top of each fuzz_<target>.cpp). Files named
seed-* are rewritten by this script; other files in a corpus directory (inputs the fuzzer found,
regression-* inputs) are kept.
"""
import hashlib
import pathlib
import struct

here = pathlib.Path(__file__).resolve().parent


def u64(v):
    return struct.pack(">Q", v)


RANGES = [
    # RFC 9110 section 14.1.2 and 14.2 examples
    "bytes=0-499", "bytes=500-999", "bytes=-500", "bytes=9500-", "bytes=0-0,-1",
    "bytes= 0-999, 4500-5499, -1000", "bytes=500-600,601-999", "bytes=500-700,601-999",
    # test/unit/http/range.cpp
    "bytes=0-", "bytes=0-0", "bytes=-1", "bytes=-0", "bytes=-5", "bytes=-99999", "bytes=5-5", "bytes=5-4",
    "bytes=1-2,3-4", "bytes=1-2,5-4", "bytes=10-19,0-9", "bytes=100-199,0-9", "bytes=200-300,5-9",
    "bytes=0-999,0-999,0-999,-1000", "bytes=100-200,300-", "bytes=5368709120-",
    "bytes=0-99999999999999999999999999", "bytes=99999999999999999999999-", "bytes=-99999999999999999999999999",
    "bytes=", "bytes=,", "bytes= , ", "bytes=-", "bytes=--1", "bytes=1-2-3", "bytes=1 -2", "bytes=1- 2",
    "bytes=1-2 3", "bytes=1-2;x", "bytes=0x10-", "bytes=+1-2", "bytes=a-b", "bytes==1-2", "bytes=\xff-1",
    "bytes 1-2", "bytes", "items=1-2", "BYTES=1-2", "bytes=1-\0",
    ",".join(["bytes=0-0"] + ["%d-%d" % (i * 200, i * 200) for i in range(1, 70)]),
]

DATES = [
    # RFC 9110 section 5.6.7
    "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
    # test/unit/http/date.cpp
    "  Sun, 06 Nov 1994 08:49:37 GMT\t", "Thu, 01 Jan 1970 00:00:00 GMT", "Wed, 31 Dec 1969 23:59:59 GMT",
    "Mon, 01 Jan 0001 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "Tue, 29 Feb 2000 00:00:00 GMT",
    "Sun, 29 Feb 1900 08:49:37 GMT", "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:60 GMT",
    "Sun, 06 Nov 1994 08:49:61 GMT", "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
    "Sun, 06 nov 1994 08:49:37 GMT", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun,  06 Nov 1994 08:49:37 GMT",
    "Sun, 06 Nov 1994 08:49:37 GMTx", "Xyz, 06 Nov 1994 08:49:37 GMT", "Monday, 01-Jan-70 00:00:00 GMT",
    "Monday, 01-Jan-76 00:00:00 GMT", "Thursday, 01-Jan-70 00:00:00 GMT", "Sunday, 06-Nov-1994 08:49:37 GMT",
    "Sun Nov 6 08:49:37 1994", "Sun Nov 06 08:49:37 1994", "Sun Nov  6 08:49:37 94", "Thu Nov 16 08:49:37 1994",
    "Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT",
]
NOW = 1795000000  # 2026-11-18

ETAGS = ['"xyzzy"', 'W/"xyzzy"', '""', '"abc"', 'W/"abc"', '"a b"', '"\xc3\xa9"', '"a"b', '"abc";', "*",
         '"1234-1000-17979cfe3d85cd15"', ' "x" ', 'w/"x"', '"']
LISTS = ['"xyzzy"', '"xyzzy", "r2d2xxxx", "c3piozzzz"', 'W/"xyzzy", W/"r2d2xxxx"', "*", '"a",', ',"a"',
         '"x",W/"y"', '"abc", "abd"', '"a,b"', '"a" "b"', "", " , ", '"abc" , W/"abc"']

TARGETS = [
    # RFC 9112 section 3.2 forms and test/unit/http/resolve.cpp
    "/", "/index.html", "/a.txt", "/dir", "/dir/", "/dir/?q=1", "/dir?q=1", "/dir/index.html", "/dir/b.txt",
    "/dir/sub/c.txt", "/empty/", "/fifo", "/noperm/x", "/sp%20ace.txt", "/%252e", "/%2e", "/..a",
    "/link_in", "/link_dir", "/link_dir/", "/link_dir/b.txt", "/link_dotdot_in", "/link_up", "/link_abs",
    "/link_parent/secret", "/link_parent/root/a.txt", "/link_outdir/", "/link_loop", "/link_dangling",
    "/link_file_slash", "/link_fifo", "/link_magic", "/dir/link_up2", "/dir/link_sibling", "/dir/link_chain",
    "/..", "/../secret", "/%2e%2e/secret", "/%2E%2E/secret", "/.%2e/secret", "/%2e./secret", "/..%2fsecret",
    "/..%5csecret", "/%2fetc%2fpasswd", "/a.txt%00.html", "/%00", "/%", "/%zz", "//", "//etc/passwd",
    "/dir//b.txt", "/dir\\b.txt", "/a.txt#frag", "/a.txt/", "/a.txt/x", "/a.txt?x=1&y=../../etc",
    "/./a.txt", "/dir/.", "/dir/sub/%2e%2e%2fb.txt", "*", "http://example.com/a.txt", "a.txt", "",
    "/link_dir?x", "/dir/sub?%0d%0aX:1", "/%0d%0aSet-Cookie:x/",
    # absolute-form (RFC 9112 3.2.2)
    "http://a/a.txt", "HTTPS://A:443/dir?q=1", "http://a", "http://a?x", "http://[::1]:80/dir/",
    "http://[v1.x]/a.txt", "http://a:/a.txt", "http://a/../secret", "http://a/%2e%2e/secret",
    "http://a//etc/passwd", "http://a/link_up", "http://a/fifo", "ftp://a/a.txt", "http://u@a/a.txt",
    "http://u:p@a/", "http:///a.txt", "http:/a.txt", "http:a.txt", "http://", "http://a,b/",
    "http://a:65536/", "http://a:8x/", "http://::1/", "http://[::1/", "http://a%41/a.txt",
    "http://a/a.txt#f", "a:80", "http://a./a.txt", "http://\xc3\xa9/a.txt",
]

ACCEPT_ENCODINGS = [
    # RFC 9110 section 12.5.3 examples and test/unit/http/accept_encoding.cpp
    "compress, gzip", "", "*", "compress;q=0.5, gzip;q=1.0", "gzip;q=1.0, identity; q=0.5, *;q=0",
    "gzip, deflate, br, zstd", "br;q=0.5, gzip", "x-gzip", "GZIP;Q=0.9", "identity;q=0", "*;q=0",
    "*;q=0, identity", "*;q=0, gzip", "gzip;q=0.5, identity", "gzip;q=0.5, identity;q=0.5", "gzip;q=1.5",
    "gzip;q=0.0001", "gzip;q=0.", "gzip;q=1.000", "gzip;q=1.001", "gzip ; q=0.5", "gzip;q =0.5", "gzip;level=1",
    "gzip, gzip;q=0", "gzip;q=0, x-gzip", ",,, ,", "\"gzip\"", "gz\0ip", "br, identity;q=0",
    "foo;x=\"a, gzip;q=0, b\"", ", ".join("c%d;q=0.5" % i for i in range(300)) + ", gzip;q=0",
]

LISTINGS = [
    # flags (1 JSON, 2 truncated), the directory path, (is-directory, name) entries
    (0, "", [(0, "a.txt"), (1, "sub"), (0, "<b>&\"q\"'.txt"), (0, "sp ace%?#.txt")]),
    (1, "l", [(0, "a.txt"), (1, "sub"), (0, "<b>&\"q\"'.txt"), (0, "back\\slash")]),
    (2, "a/b", [(0, "\xc3\xa9t\xc3\xa9.txt"), (0, "bad\xff.txt"), (0, "cr\rlf\n.txt"), (0, ".hidden")]),
    (3, "x", [(0, "\x7f"), (0, "."), (0, ".."), (0, ""), (1, "</a><script>")]),
    (0, "%3Cscript%3E", [(0, "a:b"), (0, "?q"), (0, "#frag"), (0, "\xf0\x9f\x98\x80.png")]),
]

REQUESTS = [
    "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\nbody \r\n  not a header",
    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: Chunked ; x=1\r\n\r\n",
    "GET / HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
    "GET / HTTP/1.1\r\nX-A: 1\r\n 2\r\n\r\n",
    "GET / HTTP/1.1\r\nX-A: 1\r\n\t2\r\n\r\n",
    "GET / HTTP/1.1\nX-A: 1\n 2\n\n",
    "GET / HTTP/1.1\r\n Host: a\r\n\r\n",
    "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
    "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n",
    "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
    "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
    "POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n",
    "POST / HTTP/1.1\r\ncontent-length: 5\r\nCONTENT-LENGTH: 6\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: ,chunked,\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n",
    "GET /a HTTP/1.1\r\nRange: bytes=0-0\r\nIf-Range: \"x\"\r\n\r\n",
    # Host (RFC 9112 3.2) and absolute-form
    "GET / HTTP/1.1\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
    "GET / HTTP/1.1\r\nHost:\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: ::1\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: [v7.a:b]\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a:\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a:99999999999\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a%41.\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a%\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\x00b\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: \xc3\xa9\r\n\r\n",
    "GET / HTTP/1.0\r\n\r\n",
    "GET / HTTP/1.0\r\nHost:\r\n\r\n",
    "GET http://a/x HTTP/1.1\r\nHost:\r\n\r\n",
    "GET http://a/x HTTP/1.1\r\n\r\n",
    "GET https://[::1]:443/x?y HTTP/1.1\r\nHost: b\r\n\r\n",
    "OPTIONS * HTTP/1.1\r\nHost:\r\n\r\n",
    "a.example:8080",
    "[::1]:80",
]


def write(target, name, data):
    d = here / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("latin-1") if all(ord(c) < 256 for c in data) else data.encode()
    (d / ("seed-" + name + "-" + hashlib.sha1(data).hexdigest()[:10])).write_bytes(data)


def main():
    for target in ["range", "date", "etag", "conditional", "framing", "multipart", "resolve", "accept_encoding",
                   "listing"]:
        d = here / "corpus" / target
        if d.is_dir():
            for f in d.glob("seed-*"):
                f.unlink()
    for i, r in enumerate(RANGES):
        value = r.encode("latin-1")
        write("range", "%02d" % i, b"\x00" + u64(10000) + value)
        write("range", "%02dl" % i, b"\x03" + u64(2 ** 64 - 1) + b"\x05\x50" + value)
        write("multipart", "%02d" % i, b"\x00" + struct.pack(">H", 10000) + value + b"\0/a.txt")
    write("multipart", "raw", b"\x05" + struct.pack(">H", 16384) + b"\x03\x00\x10\x00\x20\x01\x00\x00\x05"
          + b"\x30\x00\x00\x10" + b"THIS_STRING_SEPARATES")
    for i, dt in enumerate(DATES):
        write("date", "%02d" % i, u64(NOW) + dt.encode("latin-1"))
    for i, tag in enumerate(ETAGS):
        for j, lst in enumerate(LISTS):
            if (i + j) % 3 == 0 or i == 0:
                write("etag", "%02d-%02d" % (i, j), (tag + "\0" + lst).encode())
    cond = [
        # flags: 1 If-Match, 2 If-None-Match, 4 If-Modified-Since, 8 If-Unmodified-Since, 0x20 GET/HEAD
        (0x21, '"xyzzy"', ['"xyzzy"', "", "", "", ""], ""),
        (0x21, '"xyzzy"', ['"other", "xyzzy"', "", "", "", ""], ""),
        (0x01, '"xyzzy"', ["*", "", "", "", ""], ""),
        (0x22, '"xyzzy"', ["", 'W/"xyzzy"', "", "", ""], ""),
        (0x22, '"xyzzy"', ["", "*", "", "", ""], ""),
        (0x02, '"xyzzy"', ["", '"xyzzy"', "", "", ""], ""),
        (0x24, '"xyzzy"', ["", "", "Sun, 06 Nov 1994 08:49:37 GMT", "", ""], '"xyzzy"'),
        (0x28, '"xyzzy"', ["", "", "", "Sun, 06 Nov 1994 08:49:37 GMT", ""], "Sun, 06 Nov 1994 08:49:37 GMT"),
        (0x2f, "", ["*", '"a"', "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", ""], 'W/"xyzzy"'),
        (0x26, 'W/"weak"', ["", 'W/"weak", "x"', "Sun Nov  6 08:49:37 1994", "", ""], '"weak"'),
    ]
    for i, (flags, etag, fields, if_range) in enumerate(cond):
        body = bytes([flags]) + u64(784111777) + u64(NOW) + etag.encode()
        for f in fields:
            body += b"\0" + f.encode()
        body += b"\0" + if_range.encode()
        write("conditional", "%02d" % i, body)
    for i, t in enumerate(TARGETS):
        write("resolve", "%02d" % i, t)
    for i, rq in enumerate(REQUESTS):
        write("framing", "%02d" % i, rq)
    # preference byte 0x24 = br, zstd, gzip (then 3: none); 0x06 = gzip, br; 0xff = none
    for i, ae in enumerate(ACCEPT_ENCODINGS):
        for j, pref in enumerate((b"\x24", b"\x06", b"\xff")):
            if j == 0 or i % 4 == 0:
                write("accept_encoding", "%02d-%d" % (i, j), pref + ae.encode("latin-1"))
    for i, (flags, path, names) in enumerate(LISTINGS):
        body = bytes([flags]) + path.encode("latin-1") + b"\0"
        body += b"\0".join(bytes([d]) + n.encode("latin-1") for d, n in names)
        write("listing", "%02d" % i, body)


if __name__ == "__main__":
    main()
