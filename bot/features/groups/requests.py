"""What a user can ask of study groups, and how each request is typed as text."""

from __future__ import annotations

from dataclasses import dataclass

from bot.kernel.dispatch import Request
from bot.kernel.errors import UserError
from bot.kernel.grammar import ParseContext, TextCommand


@dataclass(frozen=True)
class CreateGroup(Request):
    needs_admin = True
    admin_refusal = "Only an admin can create study groups."
    name: str


@dataclass(frozen=True)
class JoinGroup(Request):
    name: str


@dataclass(frozen=True)
class LeaveGroup(Request):
    name: str


@dataclass(frozen=True)
class ListGroups(Request):
    pass


@dataclass(frozen=True)
class ShowGroupMembers(Request):
    name: str


@dataclass(frozen=True)
class ShowGroupSummary(Request):
    name: str


GROUP_USAGE = "group create|join|leave|members|summary <name> · group list"
_BY_NAME: dict[str, type[Request]] = {
    "create": CreateGroup,
    "join": JoinGroup,
    "leave": LeaveGroup,
    "members": ShowGroupMembers,
    "summary": ShowGroupSummary,
}


def parse_group(args: list[str], _context: ParseContext) -> Request:
    if not args:
        raise UserError(f"Usage: /quiz {GROUP_USAGE}")
    action, name = args[0].lower(), " ".join(args[1:])
    if action == "list":
        return ListGroups()
    request_type = _BY_NAME.get(action)
    if request_type is None:
        raise UserError(f"Unknown group action {args[0][:40]!r}. Usage: /quiz {GROUP_USAGE}")
    return request_type(name)  # type: ignore[call-arg]


COMMANDS = (TextCommand("group", GROUP_USAGE, "study groups", parse_group, aliases=("groups",)),)
