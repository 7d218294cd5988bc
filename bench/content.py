"""Content load + validate time against the parse-only limit, on a generated pack.

    python bench/content.py [--json] [--rounds 7]

The pack: 1,000 questions (4 choices, a ~200-character Why each) in 10 files. The baseline is
bare ``yaml.load(text, CSafeLoader)`` of the same files in the same run: no validation at all.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import yaml
from _common import emit_json, median

from bot.content import load_pack

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
            t1 = time.perf_counter()
            load_pack(folder)
            t2 = time.perf_counter()
            parse_ms.append((t1 - t0) * 1e3)
            load_ms.append((t2 - t1) * 1e3)
            ratios.append((t2 - t1) / (t1 - t0))
    print(f"content: 1,000 questions in 10 files, median of {args.rounds} rounds")
    print(f"  parse only (yaml CSafeLoader): {median(parse_ms):7.1f} ms")
    print(f"  load + validate (load_pack):   {median(load_ms):7.1f} ms")
    print(f"  ratio: {median(ratios):.2f}x the parse-only limit (target <= 2)")
    if args.json:
        emit_json(
            {
                "load_ms": round(median(load_ms), 2),
                "parse_only_ms": round(median(parse_ms), 2),
                "ratio": round(median(ratios), 3),
            }
        )


if __name__ == "__main__":
    main()
