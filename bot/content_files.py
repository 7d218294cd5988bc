"""A content pack's files, read safely and parsed once each.

Everything that can go wrong with a file on disk or with its YAML comes back as a problem
(``line, message``), never as a traceback, a hang or a memory blow-up:

- which files: ``*.yaml``/``*.yml`` in any letter case; names starting with ``.`` (editor lock
  files such as ``.#x.yaml``, swap files) are skipped; anything that is not a regular file (a
  folder, a FIFO, a device, a broken link) is reported and never opened;
- reading: at most ``MAX_FILE_BYTES``; UTF-8 only (a BOM is fine), with the line of a bad byte;
- parsing: one compose per file with PyYAML's C parser. The node tree is turned into plain data
  here (the fast path) and kept for line numbers (``YamlDoc.line_of``), so reporting N problems
  never parses the file again. Aliases (``*name``) are refused, so nothing is expanded; so are
  duplicate keys (PyYAML keeps the last one silently), tags beyond the plain YAML types, and
  control characters written as escapes in double-quoted text (``"\\e[2J"``).
"""

from __future__ import annotations

import codecs
import gc
import os
import re
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # PyYAML's C parser is several times faster; fall back where libyaml is missing.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 2 * 1024 * 1024  # one card's file is ~20 KB; 2 MB holds ~4,000 questions
MAX_DEPTH = 32  # the schema nests 5 deep; libyaml itself stops at 1,000
# a 2 MB file of `[1, 1, ...` has a million problems: listing them takes longer than fixing the
# first few thousand (and as much memory as the file's nodes), so a file's check stops here
MAX_PROBLEMS_PER_FILE = 10_000
SUFFIXES = (".yaml", ".yml")

Found = list[tuple[int, str]]  # (line, message); line 0: the file as a whole


class TooManyProblems(Exception):
    """Raised by a problem collector when a file reaches ``MAX_PROBLEMS_PER_FILE``."""


def stopped_message() -> str:
    return f"more than {MAX_PROBLEMS_PER_FILE:,} problems; stopped checking this file"


class Unreadable:
    """Stands for a value that could not be built (an alias, a bad tag, ...). Its problem is
    already reported, so the schema check passes over it without a second message."""

    def __repr__(self) -> str:
        return "<unreadable>"


UNREADABLE = Unreadable()

_TAG = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP = _TAG + "str", _TAG + "seq", _TAG + "map"
_SCALAR_KINDS = {
    _TAG + "null": "null",
    _TAG + "bool": "a boolean",
    _TAG + "int": "an integer",
    _TAG + "float": "a number",
    _TAG + "timestamp": "a date",
    _TAG + "binary": "binary data",
}
# what the constructor would do with a double-quoted escape such as "\e" or "\x01": text may
# hold newlines and tabs, nothing that moves a terminal's cursor or changes its colours
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# characters YAML does not allow in a stream at all (YAML 1.1, 5.1); compiled (re's cache) by
# the first file that has one: the class of all Unicode takes ~4 ms to compile at every start
_NOT_PRINTABLE = r"[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
_CONSTRUCTOR = yaml.constructor.SafeConstructor()  # for scalars only: they keep no state
_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")


def show(value: object, limit: int = 60) -> str:
    """``repr`` of a value for a one-line message, shortened if long."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _not_a_regular_file(path: Path) -> str | None:
    """Why a folder entry named like a YAML file is no content file (a folder, FIFO, device),
    or None for a regular file or a link to one. Never opens it. A broken link is None too:
    read_text reports it as a problem, since it is most likely a content file that moved."""
    try:
        info = os.stat(path)
    except OSError:
        return None  # a broken link, an unreadable entry: read_text reports it as a problem
    if stat.S_ISREG(info.st_mode):
        return None
    return f"is {_kind(info.st_mode)}, not a regular file"


def find_files(root: Path) -> tuple[list[Path], list[tuple[Path, int, str]], list[str]]:
    """The YAML files under ``root`` (a folder or one file), problems with ``root``, and one
    line for each entry of the folder that is named like a YAML file but is not a regular file
    (a folder ``x.yaml``, a FIFO, a device): skipped, never opened. A root that is not a
    regular file or folder is a problem: it was asked for by name."""
    try:
        info = os.stat(root)
    except FileNotFoundError:
        kind = "broken symbolic link" if os.path.islink(root) else "no such file or folder"
        return [], [(root, 0, kind)]
    except OSError as exc:
        return [], [(root, 0, f"cannot open: {exc.strerror or exc}")]
    if stat.S_ISREG(info.st_mode):
        return [root], [], []
    if not stat.S_ISDIR(info.st_mode):
        return [], [(root, 0, f"is {_kind(info.st_mode)}, not a file or folder; not opened")], []
    try:
        names = sorted(entry.name for entry in os.scandir(root))
    except OSError as exc:
        return [], [(root, 0, f"cannot list this folder: {exc.strerror or exc}")], []
    files, skipped = [], []
    for name in names:
        if name.startswith(".") or not name.lower().endswith(SUFFIXES):
            continue  # hidden files (editors' lock and swap files) and other files
        path = root / name
        why = _not_a_regular_file(path)
        if why is None:
            files.append(path)
        else:
            skipped.append(f"{path}: skipped: {why}")
    if not files:
        also = f" ({len(skipped)} skipped: not regular files)" if skipped else ""
        return [], [(root, 0, f"no .yaml files in this folder{also}")], skipped
    return files, [], skipped


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a pack is built: building one allocates
    hundreds of thousands of objects that live on (nodes, texts, questions), each allocation
    burst sets off a collection that walks all of them, and loading 20,000 questions took 3-4
    times as long. What is built holds no reference cycles; reference counting frees the rest."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> tuple[str | None, Found]:
    """The file's text; a FIFO, device or folder is never opened (``stat`` first, and the open
    itself is non-blocking), and at most ``limit + 1`` bytes are read."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return None, [(0, "broken symbolic link (what it points to does not exist)")]
        return None, [(0, "no such file (removed while loading?)")]
    except OSError as exc:
        return None, [(0, f"cannot read: {exc.strerror or exc}")]
    if not stat.S_ISREG(info.st_mode):
        return None, [(0, f"is {_kind(info.st_mode)}, not a regular file; not opened")]
    if info.st_size > limit:
        return None, [(0, _too_big(info.st_size, limit))]
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return None, [(0, f"cannot read: {exc.strerror or exc}")]
    try:
        with open(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # swapped after the stat
                return None, [(0, "not a regular file; not read")]
            raw = handle.read(limit + 1)
    except OSError as exc:
        return None, [(0, f"cannot read: {exc.strerror or exc}")]
    if len(raw) > limit:
        return None, [(0, _too_big(len(raw), limit))]
    return decode(raw)


def decode(raw: bytes) -> tuple[str | None, Found]:
    """UTF-8 text (a leading BOM is dropped), or the line of the first byte that is not."""
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return None, [(1, "the file is UTF-32; save it as UTF-8")]
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None, [(1, "the file is UTF-16; save it as UTF-8")]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        bad = raw[exc.start : exc.start + 1].hex()
        return None, [(line, f"byte 0x{bad} is not UTF-8 text; save the file as UTF-8")]


def _too_big(size: int, limit: int) -> str:
    return f"the file is over {limit:,} bytes ({size:,} or more); split it"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


class YamlDoc:
    """One file's YAML, composed once: ``data`` (plain dicts, lists and scalars) and the node
    tree it came from, for the line of any place in it."""

    def __init__(self, data: Any, root: Node | None) -> None:
        self.data = data
        self._root = root

    def line_of(self, path: tuple[Any, ...]) -> int:
        """The line of ``path`` (keys and indexes from the top), or of the deepest part of it
        that exists. A key's line is that of the key itself."""
        node = self._root
        if node is None:
            return 1
        line = node.start_mark.line + 1
        for part in path:
            child = None
            if isinstance(node, MappingNode):
                for key, value in node.value:  # the first of equal keys: the one kept
                    if isinstance(key, ScalarNode) and key.value == part:
                        child, line = value, key.start_mark.line + 1
                        break
            elif isinstance(node, SequenceNode) and isinstance(part, int):
                if 0 <= part < len(node.value):
                    child = node.value[part]
                    line = child.start_mark.line + 1
            if child is None:
                break
            node = child
        return line


def parse(text: str) -> tuple[YamlDoc | None, Found]:
    """Compose ``text`` once and build its data; ``None`` if it is not YAML at all."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        return None, [yaml_error(text, exc)]
    except RecursionError:  # pragma: no cover - libyaml stops nesting at 1,000 first
        return None, [(1, "invalid YAML: nested too deeply")]
    finally:
        loader.dispose()
    if root is None:
        return YamlDoc(None, None), []
    builder = _Builder(track="*" in text)
    try:
        data = builder.build(root, 0)
    except TooManyProblems:
        found = builder.problems
        return None, [*found, (found[-1][0], stopped_message())]
    if builder.aliases:
        builder.problems.extend(_alias_lines(text))
    return YamlDoc(data, root), builder.problems


def yaml_error(text: str, exc: yaml.YAMLError) -> tuple[int, str]:
    """``exc`` raised composing ``text`` as one problem: its line and what is wrong."""
    if isinstance(exc, yaml.reader.ReaderError):  # its position is a byte offset; find it
        bad = re.search(_NOT_PRINTABLE, text)
        if bad:
            line = len(_BREAK.findall(text, 0, bad.start())) + 1
            return line, f"character {show(bad.group())} is not allowed in a YAML file"
        return 1, f"invalid YAML: {exc.reason}"
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else 1
    # libyaml marks a problem it only sees at the end of the stream (an unclosed bracket or
    # quote, a key without its colon on the last line) after the last line break: one line
    # past the file. The last line with text on it is where the author has to look.
    line = min(line, len(_BREAK.findall(text.rstrip())) + 1)
    reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return line, f"invalid YAML: {reason}"


def _alias_lines(text: str) -> Found:
    """One problem per line and anchor (a bomb repeats one alias thousands of times a line)."""
    counts: dict[tuple[int, str], int] = {}
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                place = (event.start_mark.line + 1, str(event.anchor))
                counts[place] = counts.get(place, 0) + 1
    except yaml.YAMLError:  # pragma: no cover - the same text composed a moment ago
        pass
    found: Found = [
        (
            line,
            f"YAML alias *{anchor} is not allowed; write the value out"
            + (f" ({count:,} times on this line)" if count > 1 else ""),
        )
        for (line, anchor), count in counts.items()
    ]
    return found or [(1, "YAML aliases are not allowed; write the values out")]


class _Builder:
    """Plain data from a node tree, each node visited once: a node met again is an alias
    (the composer shares the anchored node), which is refused rather than expanded."""

    def __init__(self, track: bool) -> None:
        self._track = track  # no '*' in the text: no alias, no need to remember every node
        self._seen: set[int] = set()
        self.aliases = False
        self.problems: Found = []

    def _problem(self, node: Node, message: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS_PER_FILE:
            raise TooManyProblems
        self.problems.append((node.start_mark.line + 1, message))

    def build(self, node: Node, depth: int) -> Any:
        if self._track:
            if id(node) in self._seen:
                self.aliases = True  # reported, with the alias's own line, by _alias_lines
                return UNREADABLE
            self._seen.add(id(node))
        kind = type(node)
        tag = node.tag
        if kind is ScalarNode:
            if tag == _STR:
                value = node.value
                if node.style == '"' and _CONTROL.search(value):
                    bad = _CONTROL.search(value).group()  # type: ignore[union-attr]
                    self._problem(
                        node,
                        f"text has the control character {bad!r} "
                        "(of those, only newlines and tabs are allowed)",
                    )
                return value
            return self._scalar(node, tag)
        if depth >= MAX_DEPTH:
            self._problem(node, f"nested more than {MAX_DEPTH} levels deep")
            return UNREADABLE
        if kind is SequenceNode:
            if tag != _SEQ:
                return self._bad_tag(node)
            return [self.build(item, depth + 1) for item in node.value]
        if kind is MappingNode:
            if tag != _MAP:
                return self._bad_tag(node)
            return self._mapping(node, depth)
        return self._bad_tag(node)  # pragma: no cover - there are no other node kinds

    def _mapping(self, node: MappingNode, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if type(key_node) is not ScalarNode:
                self._problem(key_node, "a key must be plain text, not a list or mapping")
                continue
            if self._track:
                if id(key_node) in self._seen:
                    self.aliases = True
                    continue
                self._seen.add(id(key_node))
            key = key_node.value  # the text as written: `1:` and `yes:` are keys '1', 'yes'
            if key in result:
                first = next(k for k, _ in node.value if k.value == key)
                self._problem(
                    key_node,
                    f"duplicate key {show(key)} (first at line {first.start_mark.line + 1}); "
                    "YAML would keep only the last one",
                )
                continue
            result[key] = self.build(value_node, depth + 1)
        return result

    def _scalar(self, node: ScalarNode, tag: str) -> Any:
        what = _SCALAR_KINDS.get(tag)
        if what is None:
            return self._bad_tag(node)
        construct: Callable[[Any, Node], Any] = _CONSTRUCTOR.yaml_constructors[tag]
        try:
            return construct(_CONSTRUCTOR, node)
        except Exception:  # e.g. 2026-02-30, bad base64, an int of 10,000 digits
            self._problem(node, f"{show(node.value)} cannot be read as {what}")
            return UNREADABLE

    def _bad_tag(self, node: Node) -> Unreadable:
        tag = str(node.tag).replace(_TAG, "!!", 1)
        self._problem(node, f"YAML tag {show(tag)} is not supported here")
        return UNREADABLE
