"""Reading scenario files: safe YAML with line numbers, ``extends:``, overrides, and located errors.

A scenario file is YAML. Loading it:

1. reads only regular files (never a device, a FIFO or a directory), and at
   most ``MAX_BYTES``, counted as they are read (not as the file system says);
2. refuses what could harm the reader before parsing it: nesting deeper than
   ``MAX_DEPTH``, more than ``MAX_ALIASES`` aliases (an "alias bomb"), control
   characters, and any tag that would build a Python object; nothing in a file
   can run code;
3. parses it, keeping the file and line of every key and list item; a date
   that does not exist (30 February, year 0) stays text, so that the schema
   reports it with its field;
4. if it ``extends:`` another scenario, loads that one first and lays this
   file over it: mappings merge key by key; lists of named items (states,
   verification levels, freeze options) merge by ``name`` and events by
   ``id``; an item with ``remove: true`` deletes the inherited one (named by
   its key, or by the fields it gives when the inherited item has no key); an
   empty list or any other list replaces the inherited list. ``extends:``
   stays within a defined world: a bundled scenario's name, or a file in the
   extending file's own folder or below it (never an absolute path, ``..``,
   or a symbolic link leading out); text from the dashboard may extend
   bundled scenarios only;
5. applies overrides (``--set dotted.path=value``), where a path may name a
   list item by its ``name`` or ``id`` (``states.US.utility.discount``);
6. validates the result against the schema (:mod:`sim.scenario`) and the
   cross-field checks (:mod:`sim.checks`), and refuses true/false where a
   number is expected (and a number where true/false is).

The limits are in :mod:`sim.limits`.

Every problem becomes a :class:`ScenarioError` naming the file, the line, the
field and what was expected.
"""

from __future__ import annotations

import io
import os
import re
import stat
import typing
from importlib import resources
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from sim import limits
from sim.checks import Path as FieldPath
from sim.checks import check_scenario, format_path
from sim.priors import DISTRIBUTIONS
from sim.scenario import Scenario

MAX_BYTES = limits.FILE_BYTES.value
MAX_DEPTH = limits.DEPTH.value
MAX_ALIASES = limits.ALIASES.value
MAX_VALUES = (
    limits.VALUES.value
)  # values in the parsed file, aliases expanded: a bomb of few aliases stops here
MAX_EXTENDS = limits.EXTENDS.value
READ_CHUNK = 65_536  # bytes per read
NAME = re.compile(r"^[A-Za-z0-9_\-]+$")  # a bundled scenario's name
# Characters YAML does not allow in a stream (C0 and C1 controls but tab, newline, return and NEL; DEL; non-characters).
NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
SAFE_TAGS = {
    f"tag:yaml.org,2002:{t}"
    for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
}
KEYED_LISTS = {
    "states": "name",
    "verification_levels": "name",
    "freeze_options": "name",
    "events": "id",
}


class ScenarioError(ValueError):
    """A problem with a scenario, located: file, line, field and what was expected."""

    def __init__(
        self,
        message: str,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        more: list[ScenarioError] | None = None,
    ):
        self.message, self.file, self.line, self.field = message, file, line, field
        self.more = more or []
        super().__init__(str(self))

    def location(self) -> str:
        where = self.file or "<scenario>"
        return f"{where}:{self.line}" if self.line else where

    def __str__(self) -> str:
        field = f" {self.field}:" if self.field else ""
        extra = (
            f" (and {len(self.more)} more problem{'s' if len(self.more) > 1 else ''})"
            if self.more
            else ""
        )
        return f"{self.location()}:{field} {self.message}{extra}"

    def all(self) -> list[ScenarioError]:
        """This error and the others found with it."""
        return [self] + self.more


# ---------------------------------------------------------------------------- located data
class LDict(dict):
    """A dict that remembers where each key was written: ``where[key] = (file, line)``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.where: dict[Any, tuple[str, int | None] | None] = {}  # None: merged, no place


class LList(list):
    """A list that remembers where each item was written."""

    def __init__(self, *args):
        super().__init__(*args)
        self.where: dict[int, tuple[str, int | None] | None] = {}


def _plain(node: Any, file: str, _count: list[int] | None = None, _depth: int = 0) -> Any:
    """ruamel's round-trip nodes -> LDict / LList / plain scalars, keeping lines (1-based).

    Aliases are expanded here, so the number of values and the depth are capped again
    (``MAX_VALUES``, ``MAX_DEPTH``): a few aliases nested in each other can stand for
    billions of values, or for a structure that contains itself.
    """
    _count = [0] if _count is None else _count
    _count[0] += 1
    if _count[0] > MAX_VALUES:
        raise ScenarioError(
            f"more than {MAX_VALUES:,} values once aliases (*name) are expanded: refused", file
        )
    if _depth > MAX_DEPTH:
        raise ScenarioError(
            f"nesting deeper than {MAX_DEPTH} levels once aliases (*name) are expanded", file
        )
    if isinstance(node, dict):
        out = LDict()
        for key, value in node.items():
            out[str(key) if not isinstance(key, (int, float, bool)) else key] = _plain(
                value, file, _count, _depth + 1
            )
            out.where[key] = (file, _key_line(node, key))
        return out
    if isinstance(node, list):
        items = LList(_plain(v, file, _count, _depth + 1) for v in node)
        for i in range(len(node)):
            pos = node.lc.item(i) if hasattr(node, "lc") else None
            items.where[i] = (file, pos[0] + 1 if pos else None)
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node  # dates


def _key_line(node: Any, key: Any) -> int | None:
    """The line (1-based) of a key; for a key brought in by a YAML merge key (<<), the mapping's own line."""
    if not hasattr(node, "lc"):
        return None
    try:
        return node.lc.key(key)[0] + 1
    except (KeyError, TypeError):
        return node.lc.line + 1 if node.lc.line is not None else None


class _DatesOrText:
    """A YAML constructor mixin: a timestamp that is not a real date (30 February, year 0) stays text.

    The schema then refuses it where a date is expected, naming the field and line.
    """

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)  # type: ignore[misc]
        except (ValueError, OverflowError):
            return str(node.value)


class _RoundTrip(_DatesOrText, RoundTripConstructor):
    pass


class _Safe(_DatesOrText, SafeConstructor):
    pass


_RoundTrip.add_constructor("tag:yaml.org,2002:timestamp", _RoundTrip.construct_yaml_timestamp)
_Safe.add_constructor("tag:yaml.org,2002:timestamp", _Safe.construct_yaml_timestamp)


# ---------------------------------------------------------------------------- reading a file
def _check_characters(text: str, file: str) -> None:
    """Refuse characters no YAML text holds (a NUL byte, other control characters), with their line."""
    bad = NOT_TEXT.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise ScenarioError(
            f"control character U+{ord(bad.group()):04X} at column {column}: not a text file; "
            "expected YAML text (control characters may be written as escapes in double quotes)",
            file,
            line,
        )


def _prescan(text: str, file: str) -> None:
    """Refuse deep nesting, alias bombs and object-building tags before anything is built."""
    depth = aliases = 0
    try:
        for event in YAML().parse(io.StringIO(text)):
            name = type(event).__name__
            tag = getattr(event, "tag", None)
            tag = getattr(tag, "value", tag)
            line = event.start_mark.line + 1
            if tag is not None and tag not in SAFE_TAGS and tag != "!":
                raise ScenarioError(
                    f"the tag '{tag}' is not allowed: scenario files hold plain data only (mappings, lists, text, numbers, dates)",
                    file,
                    line,
                )
            if name in ("MappingStartEvent", "SequenceStartEvent"):
                depth += 1
                if depth > MAX_DEPTH:
                    raise ScenarioError(f"nesting deeper than {MAX_DEPTH} levels", file, line)
            elif name in ("MappingEndEvent", "SequenceEndEvent"):
                depth -= 1
            elif name == "AliasEvent":
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise ScenarioError(
                        f"more than {MAX_ALIASES} aliases (*name): refused, as it could expand without bound",
                        file,
                        line,
                    )
    except MarkedYAMLError as exc:
        raise _yaml_error(exc, file) from None
    except YAMLError as exc:
        raise ScenarioError(f"malformed YAML: {exc}", file) from None


# The parser quotes whole values in some messages (a duplicate key's old and new values): not shown,
# as the file may not be a scenario at all.
QUOTED_VALUES = re.compile(
    r' with value ".*?"(?= \(original value| *$)| \(original value: ".*?"\)', re.S
)


def _yaml_error(exc: MarkedYAMLError, file: str) -> ScenarioError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    problem = QUOTED_VALUES.sub("", (exc.problem or str(exc)).strip())
    context = f" ({exc.context.strip()})" if exc.context else ""
    return ScenarioError(f"malformed YAML: {problem}{context}", file, line)


def _not_regular(mode: int) -> str | None:
    """Why a file of this mode is refused (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory; expected a scenario file (.yaml)"
    if stat.S_ISFIFO(mode):
        return (
            "is a FIFO (named pipe), not a regular file: refused, as reading it could wait for ever"
        )
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file: refused, as reading it could go on for ever"
    return "is not a regular file: refused"


def read_bounded(path: Path) -> str:
    """The text of a regular file, read up to ``MAX_BYTES`` (counted as read: a file system can say 0 and give more).

    Raises:
        ScenarioError: for a device, a FIFO, a directory, a file too large, or text that is not UTF-8.
    """
    file = str(path)
    try:
        info = os.stat(path)
    except RuntimeError:  # a symbolic link loop, on older Pythons
        raise ScenarioError("cannot read the file: a loop of symbolic links", file) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read the file: {exc.strerror or exc}", file) from None
    why = _not_regular(info.st_mode)
    if why:
        raise ScenarioError(why, file)
    if info.st_size > MAX_BYTES:
        raise ScenarioError(
            f"the file is {info.st_size / 1e6:.1f} MB; scenario files are limited to {MAX_BYTES / 1e6:g} MB",
            file,
        )
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise ScenarioError(f"cannot read the file: {exc.strerror or exc}", file) from None
    try:
        why = _not_regular(os.fstat(fd).st_mode)  # it may have been swapped since the check above
        if why:
            raise ScenarioError(why, file)
        data = bytearray()
        while len(data) <= MAX_BYTES:
            chunk = os.read(fd, min(READ_CHUNK, MAX_BYTES + 1 - len(data)))
            if not chunk:
                break
            data += chunk
    except OSError as exc:
        raise ScenarioError(f"cannot read the file: {exc.strerror or exc}", file) from None
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        raise ScenarioError(
            f"the file is over {MAX_BYTES / 1e6:g} MB; scenario files are limited to that", file
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"not UTF-8 text (byte {exc.start})", file) from None


def read_yaml(path: Path) -> LDict:
    """A YAML mapping with lines, after the safety checks; ScenarioError on any problem."""
    return parse_yaml(read_bounded(path), str(path))


def parse_yaml(text: str, file: str = "<scenario>") -> LDict:
    """Parse scenario text (from a file or the dashboard's editor) into located data."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ScenarioError(
            f"the text is over {MAX_BYTES / 1e6:g} MB; scenario files are limited to that", file
        )
    _check_characters(text, file)
    _prescan(text, file)
    try:
        yaml = YAML(typ="rt")
        yaml.Constructor = _RoundTrip
        node = yaml.load(text)
    except MarkedYAMLError as exc:
        raise _yaml_error(exc, file) from None
    except YAMLError as exc:
        raise ScenarioError(f"malformed YAML: {exc}", file) from None
    if node is None:
        raise ScenarioError(
            "the file is empty; expected a mapping of scenario fields (name, calendar, states, ...)",
            file,
            1,
        )
    if not isinstance(node, dict):
        raise ScenarioError(
            f"expected a mapping of scenario fields at the top level, found a {'list' if isinstance(node, list) else 'single value'}",
            file,
            1,
        )
    return _plain(node, file)


# ---------------------------------------------------------------------------- names and paths
def bundled_dir() -> Path:
    """Where the bundled scenarios are installed."""
    return Path(str(resources.files("scenarios")))


def bundled_scenarios() -> list[str]:
    """Names of the bundled scenarios."""
    return sorted(p.stem for p in bundled_dir().glob("*.yaml"))


def scenario_path(name_or_path: str | Path) -> Path:
    """The file of a bundled scenario's name, or the path given (a user's own file, from the command line)."""
    text = str(name_or_path)
    if text.endswith((".yaml", ".yml")) or "/" in text or "\\" in text:
        return Path(text)
    return _bundled(text)


def _bundled(name: str) -> Path:
    path = bundled_dir() / f"{name}.yaml"
    if not NAME.match(name) or not path.is_file():
        raise ScenarioError(
            f"no bundled scenario named '{name}'; expected one of {', '.join(bundled_scenarios())} or a path to a .yaml file"
        )
    return path


def extends_path(parent: str, folder: Path | None) -> Path:
    """The file an ``extends:`` names: a bundled scenario, or a file in `folder` or below it.

    With `folder` None (text from the dashboard), only bundled names. Never an absolute path,
    a ``..``, a symbolic link that leads out of `folder`, or anything but a regular file.

    Raises:
        ScenarioError: unlocated (the caller places it on the ``extends:`` line).
    """
    if not ("/" in parent or "\\" in parent or parent.endswith((".yaml", ".yml"))):
        return _bundled(parent)
    if folder is None:
        raise ScenarioError(
            f"here extends: names a bundled scenario (one of {', '.join(bundled_scenarios())}); "
            "files are not read"
        )
    parts = re.split(r"[/\\]", parent)
    if (
        PurePosixPath(parent).is_absolute()
        or PureWindowsPath(parent).is_absolute()
        or PureWindowsPath(parent).drive
        or parent.startswith("~")
    ):
        raise ScenarioError(
            "expected a bundled scenario's name or a path relative to this file's folder, not an absolute path"
        )
    if ".." in parts:
        raise ScenarioError(
            "expected a file in this file's folder or below it; '..' is not allowed"
        )
    path = folder / parent
    try:
        real = path.resolve(strict=True)
    except FileNotFoundError:
        raise ScenarioError(
            f"no scenario file '{parent}' in {folder}; expected a bundled scenario's name or a path to a .yaml file"
        ) from None
    except (
        RuntimeError,
        OSError,
    ) as exc:  # a loop of symbolic links (RuntimeError before Python 3.13)
        reason = (
            "a loop of symbolic links"
            if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == 40
            else (getattr(exc, "strerror", None) or str(exc))
        )
        raise ScenarioError(f"cannot follow '{parent}': {reason}") from None
    if not real.is_relative_to(folder.resolve()):
        raise ScenarioError(
            f"'{parent}' leads outside this file's folder (a symbolic link); expected a file in the folder or below it"
        )
    why = _not_regular(os.stat(real).st_mode)
    if why:
        raise ScenarioError(f"'{parent}' {why}")
    return path


def is_scenario_data(data: dict) -> bool:
    """Whether a file's top level looks like a scenario (one of its keys is a scenario field)."""
    fields = {f.alias or name for name, f in Scenario.model_fields.items()}
    return any(k in fields for k in data)


def _not_a_scenario(file: str) -> ScenarioError:
    # Quotes nothing of the file: it may be anything the path led to.
    return ScenarioError(
        "not a scenario file: none of its top-level keys is a scenario field "
        "(name, extends, calendar, states, ...)",
        file,
        1,
    )


# ---------------------------------------------------------------------------- extends and overrides
def load_raw(name_or_path: str | Path, _chain: tuple[str, ...] = ()) -> LDict:
    """A scenario file's data with every ``extends:`` resolved (not yet validated)."""
    path = scenario_path(name_or_path)
    return _load_file(path, _chain)


def _load_file(path: Path, _chain: tuple[str, ...]) -> LDict:
    try:
        key = str(path.resolve())
    except (RuntimeError, OSError):  # a loop of symbolic links (RuntimeError before Python 3.13)
        raise ScenarioError("cannot read the file: a loop of symbolic links", str(path)) from None
    if key in _chain:
        raise ScenarioError(
            "extends: goes round in a circle: "
            + " -> ".join(Path(c).name for c in _chain + (key,)),
            str(path),
        )
    if len(_chain) >= MAX_EXTENDS:
        raise ScenarioError(f"extends: more than {MAX_EXTENDS} levels deep", str(path))
    data = read_yaml(path)
    if not is_scenario_data(data):
        raise _not_a_scenario(str(path))
    return _extend(data, str(path), path.parent, _chain + (key,))


def _extend(data: LDict, file: str, folder: Path | None, chain: tuple[str, ...]) -> LDict:
    """Lay `data` over the scenario its ``extends:`` names (if any), resolved within the world of `folder`."""
    parent = data.get("extends")
    if parent is None:
        return data
    line = (data.where.get("extends") or (None, None))[1]
    if not isinstance(parent, str):
        raise ScenarioError(
            "expected the name of a bundled scenario or a path", file, line, "extends"
        )
    try:
        # Resolved here rather than in the call below, so that the error points at this `extends:` line.
        parent_path = extends_path(parent, folder)
        if str(parent_path.resolve()) in chain:
            names = [Path(c).name for c in chain[chain.index(str(parent_path.resolve())) :]] + [
                parent_path.name
            ]
            raise ScenarioError(
                "goes round in a circle: " + " -> ".join(names), file, line, "extends"
            )
        base = _load_file(parent_path, chain)
    except ScenarioError as exc:
        if exc.file is None:
            exc.file, exc.line, exc.field = file, line, "extends"
        raise
    merged = merge(base, data)
    merged.pop("extends", None)
    return merged


def merge(base: Any, over: Any) -> Any:
    """Lay `over` on `base` (see the module docstring for the rules)."""
    if not (isinstance(base, dict) and isinstance(over, dict)):
        return over
    out = LDict(base)
    out.where = dict(getattr(base, "where", {}))
    for key, value in over.items():
        old = base.get(key)
        if key in KEYED_LISTS and isinstance(value, list) and value and isinstance(old, list):
            out[key] = merge_keyed(old, value, KEYED_LISTS[key])
        elif isinstance(old, dict) and isinstance(value, dict):
            out[key] = merge(old, value)
        else:
            out[key] = value
        out.where[key] = getattr(over, "where", {}).get(key, out.where.get(key))
    return out


def merge_keyed(base: list, over: list, key: str) -> LList:
    """Merge two lists of items identified by `key`; items without one are appended.

    An item with ``remove: true`` deletes the inherited item of the same `key`, or, when it gives
    no `key`, the one inherited item that has every other field it gives (an event without an id,
    named by its date and kind).
    """
    out = LList(base)
    out.where = dict(getattr(base, "where", {}))
    index = {
        item.get(key): i
        for i, item in enumerate(base)
        if isinstance(item, dict) and item.get(key) is not None
    }
    removed = set()
    for j, item in enumerate(over):
        where = getattr(over, "where", {}).get(j)
        ident = item.get(key) if isinstance(item, dict) else None
        if ident is not None and ident in index:
            i = index[ident]
            if item.get("remove") is True:
                removed.add(i)
                continue
            out[i] = merge(base[i], item)
            out.where[i] = where
        elif isinstance(item, dict) and item.get("remove") is True and ident is None:
            removed.add(_match_unkeyed(base, item, key, where))
        elif isinstance(item, dict) and item.get("remove") is True:
            raise ScenarioError(
                f"remove: nothing inherited has {key} '{ident}'", *(where or (None, None))
            )
        else:
            out.append(item)
            out.where[len(out) - 1] = where
    kept = LList(v for i, v in enumerate(out) if i not in removed)
    positions = [i for i in range(len(out)) if i not in removed]
    kept.where = {new: out.where.get(old) for new, old in enumerate(positions)}
    return kept


def _match_unkeyed(base: list, item: dict, key: str, where: tuple | None) -> int:
    """The position of the one inherited item that has every field `item` gives (but ``remove``)."""
    fields = {k: v for k, v in item.items() if k != "remove"}
    if not fields:
        raise ScenarioError(
            f"remove: name the inherited item by its {key}, or by fields it has (for an event: date and kind)",
            *(where or (None, None)),
        )
    found = [
        i
        for i, old in enumerate(base)
        if isinstance(old, dict) and all(old.get(k) == v for k, v in fields.items())
    ]
    if len(found) != 1:
        given = ", ".join(f"{k}: {v}" for k, v in fields.items())
        what = "nothing inherited has" if not found else f"{len(found)} inherited items have"
        raise ScenarioError(
            f"remove: {what} {given}; expected exactly one (give more fields, or its {key})",
            *(where or (None, None)),
        )
    return found[0]


def parse_value(text: str) -> Any:
    """A --set value, read as a YAML scalar or flow collection ('0.5', 'true', '[1, 2]', 'onsite')."""
    if NOT_TEXT.search(text):
        raise ScenarioError(
            "control characters are not allowed in a --set value; write them as escapes in double quotes"
        )
    try:
        yaml = YAML(typ="safe", pure=True)
        yaml.Constructor = _Safe
        node = yaml.load(text)
    except YAMLError:
        return text
    return text if node is None and text.strip() not in ("null", "~", "") else node


def apply_overrides(data: LDict, overrides: dict[str, Any]) -> LDict:
    """Set each dotted path to its value; lists are indexed by position, or by an item's name or id."""
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        node: Any = data
        for depth, part in enumerate(parts[:-1]):
            node = _child(node, part, dotted, parts[: depth + 1])
        last = parts[-1]
        if isinstance(node, list):
            i = _list_index(node, last, dotted)
            node[i] = value
            if isinstance(node, LList):
                node.where[i] = (f"--set {dotted}", None)
        elif isinstance(node, dict):
            node[last] = value
            if isinstance(node, LDict):
                node.where[last] = (f"--set {dotted}", None)
        else:
            raise ScenarioError(
                f"'{'.'.join(parts[:-1])}' is a value ({node!r}), not a section: it has no '{last}'",
                f"--set {dotted}",
            )
    return data


def _child(node: Any, part: str, dotted: str, so_far: list[str]) -> Any:
    if isinstance(node, dict):
        if part not in node:
            node[part] = LDict()
            if isinstance(node, LDict):
                node.where[part] = (f"--set {dotted}", None)
        return node[part]
    if isinstance(node, list):
        return node[_list_index(node, part, dotted)]
    raise ScenarioError(
        f"'{'.'.join(so_far[:-1])}' is a value ({node!r}), not a section: it has no '{part}'",
        f"--set {dotted}",
    )


def _list_index(node: list, part: str, dotted: str) -> int:
    if part.lstrip("-").isdigit():
        i = int(part)
        if not 0 <= i < len(node):
            raise ScenarioError(
                f"index {i} is out of range; expected 0 to {len(node) - 1} (the list has {len(node)} items) or an item's name",
                f"--set {dotted}",
            )
        return i
    for i, item in enumerate(node):
        if isinstance(item, dict) and part in (item.get("name"), item.get("id")):
            return i
    names = [str(item.get("name") or item.get("id")) for item in node if isinstance(item, dict)]
    raise ScenarioError(
        f"no item named '{part}'; expected an index or one of {', '.join(names)}", f"--set {dotted}"
    )


# ---------------------------------------------------------------------------- validation
def validate(data: LDict, file: str | None = None) -> Scenario:
    """Validate located data into a Scenario; ScenarioError pointing at the first problem."""
    try:
        scn = Scenario.model_validate(data, context={"defer_checks": True})
    except ValidationError as exc:
        raise _first(
            _locate(data, e["loc"], _message(data, e), file)
            for e in _most_specific(data, exc.errors())
        ) from None
    problems = booleans_and_numbers(data, scn.model_dump(by_alias=True)) + check_scenario(scn)
    if problems:
        raise _first(_locate(data, path, msg, file) for path, msg in problems)
    return scn


def booleans_and_numbers(raw: Any, valid: Any, path: FieldPath = ()) -> list[tuple[FieldPath, str]]:
    """Where the file wrote true/false and the schema took it as a number, or the other way round.

    The schema converts ``true`` to 1 and ``1`` to true; in a scenario either is a mistake.
    """
    if isinstance(raw, dict) and isinstance(valid, dict):
        return [
            p
            for k in raw
            if k in valid
            for p in booleans_and_numbers(raw[k], valid[k], path + (k,))
        ]
    if isinstance(raw, list) and isinstance(valid, list) and len(raw) == len(valid):
        return [
            p
            for i, (r, v) in enumerate(zip(raw, valid))
            for p in booleans_and_numbers(r, v, path + (i,))
        ]
    if isinstance(raw, bool) and isinstance(valid, (int, float)) and not isinstance(valid, bool):
        return [(path, f"expected a number, not {str(raw).lower()}")]
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and isinstance(valid, bool):
        return [(path, f"expected true or false, not a number (got {raw!r})")]
    return []


def _most_specific(data: LDict, errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """Drop an error when another one points deeper into the same field.

    A field that takes a number or a mapping (``trust: 0.5`` or ``trust: {RU: 0.5}``)
    fails once per alternative; the deeper failure says what is actually wrong.
    """
    paths = [_clean_loc(data, e["loc"]) for e in errors]
    keep = [
        e
        for e, p in zip(errors, paths)
        if not any(len(q) > len(p) and q[: len(p)] == p for q in paths)
    ]
    # a mapping given where a number or a distribution is expected is a distribution: say what is wrong with it
    mapped = {
        _clean_loc(data, e["loc"])
        for e in keep
        if e["type"] in ("union_tag_invalid", "union_tag_not_found")
    }
    keep = [
        e
        for e in keep
        if not (
            e["type"] == "float_type"
            and isinstance(e.get("input"), dict)
            and _clean_loc(data, e["loc"]) in mapped
        )
    ]
    # a plain value given where a number or a distribution is expected is a number: drop the distribution's complaint
    keep = [
        e
        for e in keep
        if not (e["type"] == "model_attributes_type" and "tagged-union" in str(e["loc"][-1:]))
    ] or keep
    unique, seen = [], set()
    for e in keep:
        key = (_clean_loc(data, e["loc"]), e["msg"])
        if key not in seen:
            seen.add(key)
            unique.append(e)
    return unique


def _first(errors) -> ScenarioError:
    errors = list(errors)
    errors[0].more = errors[1:]
    errors[0].args = (str(errors[0]),)
    return errors[0]


def _clean_loc(data: Any, loc: tuple) -> FieldPath:
    """Drop the union tags pydantic puts in a location, keeping only real keys and indices."""
    out: list = []
    node = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, list) and isinstance(part, int) and part < len(node):
            out.append(part)
            node = node[part]
        elif isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif (
            isinstance(node, dict) and last and isinstance(part, str) and not _looks_like_tag(part)
        ):
            out.append(part)  # a missing or unknown key
    return tuple(out)


def _looks_like_tag(part: str) -> bool:
    return (
        any(c in part for c in "[]|,-")
        or part in ("str", "int", "float", "bool", "date", "StrategyChoice")
        or part[:1].isupper()
    )


def _locate(data: LDict, loc: tuple, message: str, file: str | None) -> ScenarioError:
    path = _clean_loc(data, loc)
    node, where = data, (file, None)
    for part in path:
        got = getattr(node, "where", {}).get(part)
        if got:
            where = got
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    return ScenarioError(message, where[0] or file, where[1], format_path(path))


def _message(data: LDict, err: ErrorDetails) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "missing":
        return "missing required field"
    if kind == "extra_forbidden":
        expected = _allowed_keys(data, _clean_loc(data, err["loc"])[:-1])
        return "unknown key" + (f"; expected one of {', '.join(expected)}" if expected else "")
    if kind == "union_tag_not_found" and err.get("ctx", {}).get("discriminator") == "'dist'":
        return f"a number, or a distribution with 'dist', one of {', '.join(repr(d) for d in DISTRIBUTIONS)}"
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        what = "distribution" if ctx.get("discriminator") == "'dist'" else "event kind"
        return f"unknown {what} {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
    got = err.get("input")
    shown = "" if isinstance(got, (dict, list)) or got is None else f" (got {got!r})"
    return msg.replace("Value error, ", "") + shown


def _allowed_keys(data: Any, path: FieldPath) -> list[str]:
    """The field names of the schema class that holds `path` (best effort)."""
    cls: Any = Scenario
    node = data
    for part in path:
        node = node[part] if isinstance(node, (dict, list)) else None
        if isinstance(part, int):
            continue
        field = (
            cls.model_fields.get(part)
            if isinstance(cls, type) and issubclass(cls, BaseModel)
            else None
        )
        if field is None:
            return []
        cls = _model_in(field.annotation, node)
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return [f.alias or name for name, f in cls.model_fields.items()]
    return []


def _model_in(annotation: Any, node: Any) -> Any:
    """The BaseModel class inside an annotation (list[X], X | None, a tagged union picked by node['kind'])."""
    args = typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    candidates = [
        a
        for a in args
        for a in ([a] if not typing.get_args(a) else [_model_in(a, node)])
        if isinstance(a, type) and issubclass(a, BaseModel)
    ]
    if len(candidates) > 1 and isinstance(node, dict):
        for c in candidates:
            for tag in ("kind", "dist"):  # the discriminators of events and of distributions
                field = c.model_fields.get(tag)
                if field is not None and node.get(tag) in typing.get_args(field.annotation):
                    return c
    return candidates[0] if candidates else None


# ---------------------------------------------------------------------------- the public entry points
def load_scenario(name_or_path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load a bundled scenario by name, or a scenario file by path, with optional overrides.

    Args:
        name_or_path: e.g. "new_start_2021" or "my_case.yaml".
        overrides: {dotted.path: value}, e.g. {"states.US.utility.discount": 0.8}.

    Raises:
        ScenarioError: naming the file, line, field and what was expected.
    """
    data = load_raw(name_or_path)
    path = str(scenario_path(name_or_path))
    if overrides:
        data = apply_overrides(data, overrides)
    return validate(data, path)


def load_scenario_text(
    text: str,
    file: str = "<editor>",
    overrides: dict[str, Any] | None = None,
    extends_folder: str | Path | None = None,
) -> Scenario:
    """Load a scenario from text (the dashboard's editor and upload).

    Args:
        text: the scenario's YAML.
        file: the name its errors give.
        overrides: {dotted.path: value}.
        extends_folder: the folder whose files (and those below it) ``extends:`` may name. None (the
            default, and what the dashboard uses): ``extends:`` names a bundled scenario only, and no
            file is read.
    """
    data = parse_yaml(text, file)
    data = _extend(data, file, Path(extends_folder) if extends_folder is not None else None, ())
    if overrides:
        data = apply_overrides(data, overrides)
    return validate(data, file)


def resolve_scenario(
    scenario: Scenario | str | Path, overrides: dict[str, Any] | None = None
) -> Scenario:
    """A Scenario from a Scenario, a name or a path, with overrides applied."""
    if isinstance(scenario, Scenario):
        if not overrides:
            return scenario
        data = _to_located(
            scenario.model_dump(by_alias=True, exclude_none=True, exclude={"extends"})
        )
        return validate(apply_overrides(data, overrides), f"<{scenario.name}>")
    return load_scenario(scenario, overrides)


def _to_located(value: Any) -> Any:
    if isinstance(value, dict):
        return LDict({k: _to_located(v) for k, v in value.items()})
    if isinstance(value, list):
        return LList(_to_located(v) for v in value)
    return value
