"""Property-based: whatever the files hold, ``load_pack`` returns a pack or raises ContentError
whose problems are one line each, ``file:line: message`` with a real line, and quickly."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content import ContentError, Pack, load_pack

SETTINGS = settings(
    max_examples=100,
    deadline=3000,  # ms per example: a few small files, loaded in milliseconds (slack: busy CI)
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

slugs = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,6}){0,2}", fullmatch=True)
# any text an author may write: no control characters (refused), at least one visible one
words = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
    lambda s: s.strip()
)


@st.composite
def packs(draw: st.DrawFn) -> list[dict]:
    """Valid packs: 1-3 cards, each with 0-4 questions (choice or typed), ids unique."""
    ids = draw(st.lists(slugs, min_size=1, max_size=20, unique=True))
    n_cards = draw(st.integers(1, min(3, len(ids))))
    card_ids, question_ids = ids[:n_cards], iter(ids[n_cards:])
    files = []
    for n, card_id in enumerate(card_ids):
        card = {
            "id": card_id,
            "title": draw(words),
            "track": draw(words),
            "order": n,
            "summary": draw(words),
            "sections": [{"heading": draw(words), "points": draw(st.lists(words, max_size=3))}],
            "recap": draw(st.lists(words, max_size=2)),
            "next": draw(st.lists(st.sampled_from(card_ids), max_size=2)),
        }
        questions = []
        for question_id in question_ids:
            if draw(st.integers(0, 3)) == 0:
                break
            question = {"id": question_id, "prompt": draw(words), "why": draw(words)}
            if draw(st.booleans()):
                question["accept"] = draw(st.lists(words, min_size=1, max_size=3))
            else:
                choices = draw(
                    st.lists(
                        words, min_size=2, max_size=6, unique_by=lambda s: s.strip().casefold()
                    )
                )
                question["choices"] = choices
                question["answer"] = draw(st.sampled_from(choices))
            questions.append(question)
        files.append({"card": card, "questions": questions})
    return files


def dump(data: object, unicode: bool) -> bytes:
    return yaml.safe_dump(data, allow_unicode=unicode, sort_keys=False).encode("utf-8")


def check(folder: Path) -> Pack | None:
    """Load ``folder``: a pack, or ContentError with well-formed problems; nothing else."""
    try:
        return load_pack(folder)
    except ContentError as exc:
        assert exc.problems
        for problem in exc.problems:
            text = str(problem)
            assert "\n" not in text and "\r" not in text, text
            match = re.fullmatch(rf"{re.escape(str(folder))}/\w+\.yaml:(\d+): (.+)", text)
            assert match, text
            lines = (folder / Path(problem.file).name).read_bytes().count(b"\n") + 1
            assert 1 <= int(match.group(1)) <= lines, text
        return None


@SETTINGS
@given(packs(), st.booleans())
def test_a_valid_pack_loads(files, unicode):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n, data in enumerate(files):
            (folder / f"card{n}.yaml").write_bytes(dump(data, unicode))
        pack = load_pack(folder)
    assert [c.id for c in pack.cards] == [f["card"]["id"] for f in files]
    assert [q.id for q in pack.questions] == [q["id"] for f in files for q in f["questions"]]


# values an author (or an attacker) might put anywhere
anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def mutated(draw: st.DrawFn) -> list[bytes]:
    """A valid pack, then damaged: in its data, its text or its bytes."""
    files = draw(packs())
    unicode = draw(st.booleans())
    target = draw(st.integers(0, len(files) - 1))
    data = files[target]
    how = draw(st.sampled_from(["data", "text", "bytes"]))
    if how == "data":  # a random key, a value of a random type, a key removed
        node = data
        for _ in range(draw(st.integers(0, 3))):
            children = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
            children = [(k, v) for k, v in children if isinstance(v, dict | list) and v]
            if not children:
                break
            node = draw(st.sampled_from(children))[1]
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        action = draw(st.sampled_from(["set", "add", "drop"]))
        if action == "drop" and keys:
            del node[draw(st.sampled_from(keys))]
        elif action == "set" and keys:
            node[draw(st.sampled_from(keys))] = draw(anything)
        elif isinstance(node, dict):
            node[draw(st.text(max_size=10))] = draw(anything)
        else:
            node.append(draw(anything))
    raw = [dump(f, unicode) for f in files]
    text = raw[target].decode("utf-8")
    lines = text.splitlines(keepends=True)
    if how == "text":  # YAML an emitter never writes: duplicates, aliases, tags, junk
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["duplicate", "alias", "tag", "insert", "cut"]))
        if kind == "duplicate":
            lines.insert(at, lines[at])
        elif kind == "alias":
            line = lines[at]
            colon = line.find(": ")
            if colon > 0:
                lines[at] = line[: colon + 2] + "&a " + line[colon + 2 :]
                target_line = draw(st.integers(0, len(lines) - 1))
                other = lines[target_line]
                c = other.find(": ")
                if c > 0:
                    lines[target_line] = other[: c + 2] + "*a\n"
        elif kind == "tag":
            tag = draw(st.sampled_from(["!!set", "!!binary", "!!python/object:os.system", "!x"]))
            lines[at] = lines[at].replace(": ", f": {tag} ", 1)
        elif kind == "insert":
            lines.insert(at, draw(st.text(max_size=30)) + "\n")
        else:
            lines = lines[:at]
        text = "".join(lines)
        raw[target] = text.encode("utf-8", "surrogatepass")
    elif how == "bytes":  # bad bytes, other encodings, a BOM
        kind = draw(st.sampled_from(["splice", "latin-1", "utf-16", "bom"]))
        blob = raw[target]
        if kind == "splice":
            at = draw(st.integers(0, len(blob)))
            blob = blob[:at] + draw(st.binary(min_size=1, max_size=8)) + blob[at:]
        elif kind == "bom":
            blob = b"\xef\xbb\xbf" + blob
        else:
            blob = text.encode(kind, "replace")
        raw[target] = blob
    return raw


@SETTINGS
@given(mutated())
def test_damaged_content_gives_one_line_problems_and_nothing_else(raw):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n, blob in enumerate(raw):
            (folder / f"card{n}.yaml").write_bytes(blob)
        check(folder)
