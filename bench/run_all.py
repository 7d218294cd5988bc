"""`make bench`: run every benchmark with --json and print one summary table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    "answers.py",
    "leaderboard.py",
    "content.py",
    "demo_latency.py",
    "e2e_slack.py",
    "e2e_discord.py",
    "graceful_stop.py",
]

SCRIPTS.append("reload.py")  # typed answers and reload (apart from the list: merges cleanly)


def main() -> int:
    summary: list[tuple[str, str, object]] = []
    failed = False
    for name in SCRIPTS:
        script = HERE / name
        if not script.exists():
            continue
        print(f"== {name}", flush=True)
        out = subprocess.run(
            [sys.executable, str(script), "--json"], capture_output=True, text=True
        )
        lines = out.stdout.strip().splitlines()
        print("\n".join(lines[:-1]))
        if out.returncode != 0 or not lines:
            print(out.stderr, file=sys.stderr)
            failed = True
            continue
        for key, value in json.loads(lines[-1]).items():
            if isinstance(value, dict):
                summary += [(name, f"{key}.{k}", v) for k, v in value.items()]
            else:
                summary.append((name, key, value))
    print("\n== summary")
    width = max((len(k) for _, k, _ in summary), default=10)
    for script, key, value in summary:
        print(f"{script:<18}{key:<{width + 2}}{value}")
    return 1 if failed else 0


SCRIPTS.append("live.py")  # quiz night (kept apart from the list above to merge cleanly)


if __name__ == "__main__":
    raise SystemExit(main())
