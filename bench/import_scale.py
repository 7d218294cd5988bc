"""`quizbot content import` at scale: a generated GIFT file of 50,000 multiple-choice questions
(feedback on two choices each), imported into a fresh folder; and HTML to text on malformed
markup against the standard library's parser.

    python bench/import_scale.py [--json] [--questions 50000]

Prints the wall and CPU time of the whole import and of its phases (parse the GIFT file,
build the card files, check them with the pack loader, write them), CPU microseconds per
question, and the card files written. A linear importer keeps the per-question figure when
--questions grows (try 5000 and 50000: the ratio is printed as `linear`).

HTML: 40 KB of ``<!--`` (an unterminated comment repeated), converted by the importers'
html_to_text (libxml2 through lxml) and by a bare ``html.parser.HTMLParser`` (what they used
before), same run; the stdlib figure grows with the square of the size.

Then the same number of questions in the other formats (Anki with HTML fronts and "(or …)"
alternatives, an Open Trivia DB response, a Red list), each imported once.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

from _common import emit_json

from bot.content import load_pack
from bot.content_files import collector_paused
from bot.importers import build_documents, import_files, parse_files
from bot.importers.common import html_to_text


def gift_text(questions: int) -> str:
    return "\n".join(
        f"::Q{n}:: Which item comes after item {n} in the list? "
        f"{{=item {n + 1} #Right: one more. ~item {n - 1} #That one comes before. "
        f"~item {n + 2} ~item {n + 3}}}\n"
        for n in range(questions)
    )


def other_formats(questions: int) -> dict[str, tuple[str, str]]:
    """The same number of questions in the other formats: format -> (file name, text)."""
    anki = "#separator:tab\n#html:true\n" + "".join(
        f"<b>Front {n}</b>\tback {n} (or alt {n})\n" for n in range(questions)
    )
    items = [
        {
            "type": "multiple",
            "category": "Bench",
            "question": f"Question {n} &amp; more?",
            "correct_answer": f"a{n}",
            "incorrect_answers": [f"b{n}", f"c{n}", f"d{n}"],
        }
        for n in range(questions)
    ]
    red = "".join(f"Question {n}?:\n  - answer {n}\n  - other {n}\n" for n in range(questions))
    return {
        "anki": ("bank.txt", anki),
        "opentdb": ("bank.json", json.dumps({"response_code": 0, "results": items})),
        "red": ("bank.yaml", red),
    }


def format_once(fmt: str, name: str, text: str, questions: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        source = Path(tmp) / name
        source.write_text(text, encoding="utf-8")
        result, wall, cpu = timed(import_files, fmt, [source], Path(tmp) / "out")
        assert not result.problems and result.imported == questions, result.problems[:3]
        return {"wall_s": wall, "cpu_s": cpu, "cpu_us_per_question": cpu / questions * 1e6}


def timed(fn, *args):  # noqa: ANN001, ANN202 - a bench helper
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def phases(source: Path, folder: Path) -> dict[str, float]:
    """CPU seconds of each phase, run one after the other as import_files runs them."""
    with collector_paused():
        return _phases(source, folder)


def _phases(source: Path, folder: Path) -> dict[str, float]:
    parsed, _, parse_cpu = timed(parse_files, "gift", [source])
    documents, _, build_cpu = timed(build_documents, parsed, "imported")
    for name, (text, _) in documents.items():
        (folder / name).write_text(text, encoding="utf-8")
    _, _, check_cpu = timed(load_pack, folder)
    return {"parse_cpu_s": parse_cpu, "build_cpu_s": build_cpu, "check_cpu_s": check_cpu}


def import_once(questions: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        source = Path(tmp) / "bank.gift"
        source.write_text(gift_text(questions), encoding="utf-8")
        result, wall, cpu = timed(import_files, "gift", [source], Path(tmp) / "out")
        assert not result.problems, result.problems[:3]
        assert result.imported == questions, result.imported
        (Path(tmp) / "phases").mkdir()
        figures = phases(source, Path(tmp) / "phases")
        return {
            "questions": questions,
            "bytes": source.stat().st_size,
            "files": len(result.written),
            "wall_s": wall,
            "cpu_s": cpu,
            "cpu_us_per_question": cpu / questions * 1e6,
            **figures,
        }


def html_once(size: int) -> dict[str, float]:
    markup = "<!--" * (size // 4)
    _, lxml_wall, _ = timed(html_to_text, markup)
    parser = HTMLParser()
    _, stdlib_wall, _ = timed(lambda: (parser.feed(markup), parser.close()))
    return {"bytes": size, "lxml_s": lxml_wall, "stdlib_s": stdlib_wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=50_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    small = import_once(max(args.questions // 10, 1))
    big = import_once(args.questions)
    linear = big["cpu_us_per_question"] / small["cpu_us_per_question"]
    for run in (small, big):
        print(
            f"{run['questions']:>7,} questions ({run['bytes'] / 1e6:.1f} MB) -> {run['files']}"
            f" card files: {run['wall_s']:.1f} s wall, {run['cpu_s']:.1f} s CPU"
            f" ({run['cpu_us_per_question']:.0f} us CPU per question; parse"
            f" {run['parse_cpu_s']:.1f} s, build {run['build_cpu_s']:.1f} s, check"
            f" {run['check_cpu_s']:.1f} s)"
        )
    print(f"linear: CPU per question at {args.questions:,} / at a tenth of it = {linear:.2f}")
    formats = {}
    for fmt, (name, text) in other_formats(args.questions).items():
        formats[fmt] = run = format_once(fmt, name, text, args.questions)
        print(
            f"{fmt:>7}: {args.questions:,} questions, {run['wall_s']:.1f} s wall,"
            f" {run['cpu_s']:.1f} s CPU ({run['cpu_us_per_question']:.0f} us CPU per question)"
        )
    html = [html_once(size) for size in (20_000, 40_000)]
    for run in html:
        print(
            f"HTML, {run['bytes'] / 1000:.0f} KB of '<!--': html_to_text {run['lxml_s'] * 1000:.1f}"
            f" ms, html.parser {run['stdlib_s']:.2f} s"
            f" ({run['stdlib_s'] / max(run['lxml_s'], 1e-9):,.0f}x)"
        )
    if args.json:
        emit_json({"small": small, "big": big, "linear": linear, "formats": formats, "html": html})


if __name__ == "__main__":
    main()
