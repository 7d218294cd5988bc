"""Content with typed-answer questions, for the typed-answer and reload tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import CONTENT

NETWORKING_CARD = """\
card:
  id: networking-basics
  title: Networking basics
  track: networking
  summary: The protocols every service talks.
  sections:
    - heading: Transport
      points: [TCP is reliable and ordered; UDP is fire-and-forget.]
  recap: [TCP opens with a three-way handshake.]
questions:
  - id: net-reliable-protocol
    prompt: Which transport protocol retransmits lost segments?
    why: TCP acknowledges every segment and retransmits what is lost; UDP does not.
    accept: [TCP, Transmission Control Protocol]
  - id: net-handshake-packets
    prompt: How many packets does a TCP handshake take?
    why: SYN, SYN-ACK, ACK.
    accept: ["3", three]
"""

EXTRA_QUESTION = """\
  - id: net-ping-protocol
    prompt: Which protocol does ping use?
    why: ping sends ICMP echo requests.
    accept: [ICMP]
"""


def typed_content(folder: Path) -> Path:
    """The shipped pack plus a card with two typed-answer questions, in ``folder``."""
    shutil.copytree(CONTENT, folder, ignore=shutil.ignore_patterns("*.md"))
    (folder / "networking-basics.yaml").write_text(NETWORKING_CARD, encoding="utf-8")
    return folder
