"""uvicorn's httptools protocol with a limit on the request head (request line and headers).

httptools (llhttp) sets no limit of its own: a 16 MB header was read, kept and handed to the
app (issue 12, item 12). This protocol counts the head as it arrives and answers a head larger
than ``MAX_HEAD_BYTES`` with ``431 Request Header Fields Too Large`` (RFC 6585 §5), then closes
the connection. 64 KiB is four times what browsers and nginx send at most by default (nginx:
4 buffers of 8 KiB), so no real client meets it. ``chainless serve`` and ``chainless run`` pass
it to uvicorn as ``http=PROTOCOL``.

Two counts, because httptools hands a header to Python only once it is complete: the head's
parts as the parser names them (exact), and the chunks read while the head is still open
(so one endless header cannot fill the memory before it ends). A chunk is only counted when
the head began in an earlier one, so it holds nothing but head bytes and the count never
exceeds the head's real size.
"""

from __future__ import annotations

import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 64 * 1024
PROTOCOL = "chainless.platform.core.http_protocol:BoundedHeadProtocol"


class _HeadTooLarge(Exception):
    pass


class BoundedHeadProtocol(HttpToolsProtocol):
    max_head_bytes = MAX_HEAD_BYTES
    _head_bytes = 0
    _head_open = False
    _head_began_in_chunk = False
    _refused = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        self._head_began_in_chunk = False
        super().data_received(data)
        if self._head_open and not self._head_began_in_chunk and not self._refused:
            self._count(len(data))
            if self._refused:
                self._answer_431()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        self._head_open = True
        self._head_began_in_chunk = True

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        if self._refused:
            raise _HeadTooLarge
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)  # ": " and CRLF
        if self._refused:
            raise _HeadTooLarge
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._head_open = False
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        """httptools reports a callback's exception as a parse error: ours is the 431."""
        if self._refused:
            self._answer_431()
        else:
            super().send_400_response(msg)

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self.max_head_bytes:
            self._refused = True

    def _answer_431(self) -> None:
        if self.transport.is_closing():
            return
        body = json.dumps(
            {
                "type": "urn:chainless:problem:headers_too_large",
                "title": "Request header fields too large",
                "status": 431,
                "detail": f"the request line and headers exceed {self.max_head_bytes} bytes",
                "code": "headers_too_large",
            }
        ).encode()
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/problem+json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n"
            b"connection: close\r\n\r\n" + body
        )
        self.transport.close()
