"""Content load + validate time against the parse-only limit, on a generated pack; and how
the time to report problems grows with their number.

    python bench/content.py [--json] [--rounds 7]

The pack: 1,000 questions (4 choices, a ~200-character Why each) in 10 files. The baseline is
bare ``yaml.load(text, CSafeLoader)`` of the same files in the same run: no validation at all.

Problems: one file of 1,000 and one of 4,000 questions, each missing its ``why``; the time of
``load_pack`` to report them all (ContentError). Linear means a ratio near 4 (the loader once
composed the file again for every problem: 1,000 took ~20 s, 4,000 would take minutes).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from _common import emit_json, median

import bot.content
from bot.content import ContentError, load_pack

WHY = (
    "Threads share the memory of the process they run in, so passing data between them is "
    "easy; that same sharing is why two threads changing one value at the same time cause "
    "bugs unless they coordinate."
)


def write_pack(folder: Path, files: int = 10, per_file: int = 100) -> None:
    for f in range(files):
        card = {
            "id": f"card-{f}",
            "title": f"Card {f}",
            "track": "bench",
            "order": f,
            "summary": "A generated card.",
            "sections": [{"heading": "Points", "points": ["one", "two", "three"]}],
            "recap": ["one"],
        }
        questions = [
            {
                "id": f"q-{f}-{i}",
                "prompt": f"Generated question {f}-{i}: which statement about threads holds?",
                "choices": [f"Choice {c} for {f}-{i}" for c in "ABCD"],
                "answer": f"Choice C for {f}-{i}",
                "why": WHY,
            }
            for i in range(per_file)
        ]
        text = yaml.safe_dump({"card": card, "questions": questions}, sort_keys=False)
        (folder / f"card-{f}.yaml").write_text(text, encoding="utf-8")


def write_bad_file(path: Path, questions: int) -> None:
    """One file of ``questions`` questions, none with a ``why``: as many problems."""
    card = {
        "id": "bad",
        "title": "Bad",
        "track": "bench",
        "summary": "Every question lacks its why.",
        "sections": [{"heading": "Points", "points": ["one"]}],
        "recap": ["one"],
    }
    items = [
        {"id": f"bad-{i}", "prompt": f"Q {i}?", "choices": ["A", "B"], "answer": "A"}
        for i in range(questions)
    ]
    path.write_text(yaml.safe_dump({"card": card, "questions": items}, sort_keys=False))


def report_ms(path: Path, expected: int) -> float:
    t0 = time.perf_counter()
    try:
        load_pack(path)
    except ContentError as exc:
        assert len(exc.problems) == expected, len(exc.problems)
    else:
        raise AssertionError("bad content loaded")
    return (time.perf_counter() - t0) * 1e3


def parse_file_ms(path: Path) -> float:
    t0 = time.perf_counter()
    yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return (time.perf_counter() - t0) * 1e3


def parse_only(folder: Path) -> None:
    for path in sorted(folder.glob("*.yaml")):
        yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_pack(folder)
        pack = load_pack(folder)
        assert len(pack.questions) == 1000
        load_ms, parse_ms, ratios = [], [], []
        for _ in range(args.rounds):  # interleaved so both see the same machine load
            t0 = time.perf_counter()
            parse_only(folder)
            # the loader keeps the packs it built (same texts, same pack): time a real load
            getattr(bot.content, "_BUILT", {}).clear()
            t1 = time.perf_counter()
            load_pack(folder)
            t2 = time.perf_counter()
            parse_ms.append((t1 - t0) * 1e3)
            load_ms.append((t2 - t1) * 1e3)
            ratios.append((t2 - t1) / (t1 - t0))
        small, large = Path(tmp) / "bad-1000.yml", Path(tmp) / "bad-4000.yml"
        write_bad_file(small, 1000)
        write_bad_file(large, 4000)
        small_ms, large_ms, small_parse_ms, large_parse_ms = [], [], [], []
        for _ in range(max(1, min(args.rounds, 5))):
            small_ms.append(report_ms(small, 1000))
            large_ms.append(report_ms(large, 4000))
            small_parse_ms.append(parse_file_ms(small))
            large_parse_ms.append(parse_file_ms(large))
    problems_ratio = statistics.median(large_ms) / statistics.median(small_ms)
    # the parser alone is not quite linear here either (node objects, the cyclic GC)
    parse_ratio = statistics.median(large_parse_ms) / statistics.median(small_parse_ms)
    print(f"content: 1,000 questions in 10 files, median of {args.rounds} rounds")
    print(f"  parse only (yaml CSafeLoader): {median(parse_ms):7.1f} ms")
    print(f"  load + validate (load_pack):   {median(load_ms):7.1f} ms")
    print(f"  ratio: {median(ratios):.2f}x the parse-only limit (target <= 2)")
    print(f"problems: one file of N questions without a why, median of {len(small_ms)} rounds")
    print(f"  1,000 problems: {median(small_ms):7.1f} ms")
    print(f"  4,000 problems: {median(large_ms):7.1f} ms")
    print(f"  ratio: {problems_ratio:.2f}x for 4x the problems (linear: about 4)")
    print(f"  (a bare CSafeLoader parse of the same two files: {parse_ratio:.2f}x)")
    if args.json:
        emit_json(
            {
                "load_ms": round(median(load_ms), 2),
                "parse_only_ms": round(median(parse_ms), 2),
                "ratio": round(median(ratios), 3),
                "problems_1000_ms": round(median(small_ms), 2),
                "problems_4000_ms": round(median(large_ms), 2),
                "problems_ratio": round(problems_ratio, 3),
                "problems_parse_ratio": round(parse_ratio, 3),
            }
        )


if __name__ == "__main__":
    main()
