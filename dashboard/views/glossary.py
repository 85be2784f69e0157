"""The model's words in plain language, shown when the pointer rests on them (a dotted underline)."""

from __future__ import annotations

import html
import re

GLOSSARY = {
    "security seeker": "A state that wants only to be safe: it keeps a deal as long as it trusts the others "
    "to keep it too (Kydd). The other kind, a greedy state, cheats when it can gain.",
    "greedy": "A state that would cheat on a deal whenever cheating pays; the others cannot see which kind it is.",
    "Boulware": "A bargainer who holds out, conceding almost nothing until the deadline is close "
    "(named after a General Electric negotiator of the 1950s).",
    "conceder": "A bargainer who gives ground early in the talks.",
    "likelihood ratio": "How much more likely a piece of evidence is if the other side is a security seeker "
    "than if it is greedy. Above 1 it raises trust, below 1 it lowers it (Bayes' rule).",
    "reservation": "The least a side will take: an offer worth less than this to it is worse than no deal.",
    "red line": "Terms a side will never accept, whatever else the offer gives it.",
    "Pareto frontier": "The offers that cannot be improved for one side without being made worse for another.",
    "Nash point": "The offer that makes the product of the sides' gains over no deal largest: a fair "
    "split by Nash's rule.",
    "utility": "What an offer is worth to a side, in the model's units, against no deal (0). "
    "Positive: better than no deal.",
    "target": "What a side asks for now: it accepts an offer worth at least its target. The target falls "
    "as the deadline comes closer.",
    "tension": "How strained relations are, from 0 (calm) to 1 (crisis). It rises with arms growth, "
    "accusations and withdrawals, and falls with agreements.",
    "replicates": "Runs of the same scenario with different random draws: their outcomes give the odds.",
}
_TERMS = sorted(GLOSSARY, key=len, reverse=True)


def gloss(term: str, shown: str | None = None) -> str:
    """The HTML of a term with its plain-language meaning on hover."""
    return (
        f'<span class="gloss" title="{html.escape(GLOSSARY[term])}" '
        f'style="border-bottom:1px dotted #555;cursor:help">{html.escape(shown or term)}</span>'
    )


def with_glossary(markdown: str) -> str:
    """Markdown with the first use of each glossary term (outside headings) marked for hover."""
    done: set[str] = set()
    lines = markdown.split("\n")
    for i, line in enumerate(lines):
        if line.lstrip().startswith("#"):
            continue
        for term in _TERMS:
            if term in done:
                continue
            pattern = re.compile(rf"(?<![\w\"<>=-])({re.escape(term)})(?![\w\"-])", re.IGNORECASE)
            match = pattern.search(line)
            if match and not _inside_tag(line, match.start()):
                line = line[: match.start()] + gloss(term, match.group(1)) + line[match.end() :]
                done.add(term)
        lines[i] = line
    return "\n".join(lines)


def _inside_tag(line: str, at: int) -> bool:
    """Whether position `at` of a line is inside an HTML tag or a span already added."""
    before = line[:at]
    return before.count("<") > before.count(">") or before.count(
        '<span class="gloss"'
    ) > before.count("</span>")
