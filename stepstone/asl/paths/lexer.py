"""The character-level reading shared by the path and filter parsers: position, errors, strings."""

from __future__ import annotations

from stepstone.asl.paths.errors import PathSyntaxError

WHITESPACE = " \t\r\n"
#: Jayway's Utils.unescape: the escapes a quoted name or string may use.
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "r": "\r", "f": "\f", "t": "\t", "n": "\n", "b": "\b"}


class Scanner:
    """A position in `text[:end]`; errors carry the offset so they can point at the character."""

    def __init__(self, text: str, pos: int = 0, end: int | None = None) -> None:
        self.text = text
        self.pos = pos
        self.end = len(text) if end is None else end

    def error(self, reason: str, offset: int | None = None) -> PathSyntaxError:
        return PathSyntaxError(self.text, self.pos if offset is None else offset, reason)

    def at_end(self) -> bool:
        return self.pos >= self.end

    def peek(self, n: int = 1) -> str:
        return self.text[self.pos : min(self.pos + n, self.end)]

    def skip_ws(self) -> None:
        while self.pos < self.end and self.text[self.pos] in WHITESPACE:
            self.pos += 1

    def expect(self, token: str, what: str | None = None) -> None:
        self.skip_ws()
        if self.peek(len(token)) != token:
            raise self.error(f"expected {what or repr(token)}")
        self.pos += len(token)

    def quoted(self) -> str:
        """A '...' or "..." string at the position, unescaped as Jayway does."""
        quote = self.peek()
        self.pos += 1
        chars: list[str] = []
        while self.pos < self.end:
            ch = self.text[self.pos]
            if ch == quote:
                self.pos += 1
                return "".join(chars)
            if ch == "\\" and self.pos + 1 < self.end:
                nxt = self.text[self.pos + 1]
                if nxt == "u":
                    digits = self.text[self.pos + 2 : self.pos + 6]
                    if len(digits) != 4 or any(c not in "0123456789abcdefABCDEF" for c in digits):
                        raise self.error("expected four hex digits after \\u")
                    chars.append(chr(int(digits, 16)))
                    self.pos += 6
                    continue
                chars.append(_ESCAPES.get(nxt, nxt))
                self.pos += 2
                continue
            chars.append(ch)
            self.pos += 1
        raise self.error(f"unterminated string: missing the closing {quote}", self.end)
