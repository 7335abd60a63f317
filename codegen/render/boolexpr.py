"""Boolean expressions of generated code, laid out the way ``ruff format`` writes them.

The step logic of gated and cyclic graphs is boolean chains over local names: ``a and b``,
groups ``(a or b)`` and negated groups ``not (a or b)``. `statement` writes one flat when it
fits; otherwise the chain goes into parentheses, on one line if it fits, else one operand per
line (a group that still does not fit opens its own parentheses, recursively). A chain of
exactly two operands with a group among them is the one shape where ruff prefers other
splits, so `statement` writes it as two statements (``x = a`` then ``if x: x = b``).
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.render.literals import LINE_LENGTH

__all__ = ["Chain", "Not", "Term", "chain", "negate", "render", "statement"]

_PAD = "    "


@dataclass(frozen=True)
class Chain:
    """Operands joined by one operator (``and``, ``or`` or ``+``); parenthesised as an operand."""

    op: str
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Not:
    """``not (chain)``."""

    inner: Chain


Term = str | Chain | Not


def chain(op: str, terms: list[Term]) -> Term:
    """`terms` joined by `op`, simplified: constants folded, nested chains of `op` flattened,
    one operand returned as itself."""
    absorbing, neutral = ("False", "True") if op == "and" else ("True", "False")
    flat: list[Term] = []
    for term in terms:
        if term == neutral and op != "+":
            continue
        if term == absorbing and op != "+":
            return absorbing
        if isinstance(term, Chain) and term.op == op:
            flat += term.terms
        elif term not in flat:
            flat.append(term)
    if not flat:
        return neutral
    return flat[0] if len(flat) == 1 else Chain(op, tuple(flat))


def negate(term: Term) -> Term:
    """``not term``."""
    if term in ("True", "False"):
        return "False" if term == "True" else "True"
    if isinstance(term, Chain):
        return Not(term)
    if isinstance(term, Not):
        return term.inner
    return term[4:] if term.startswith("not ") and " " not in term[4:] else f"not {term}"


def render(term: Term, top: bool = False) -> str:
    """Source text; a chain is parenthesised unless it is the whole expression (`top`)."""
    if isinstance(term, str):
        return term
    if isinstance(term, Not):
        return f"not {render(term.inner)}"
    text = f" {term.op} ".join(render(t) for t in term.terms)
    return text if top else f"({text})"


def statement(prefix: str, term: Term, indent: int, suffix: str = "") -> list[str]:
    """``<prefix><term><suffix>`` at `indent` (an assignment ``x = `` or ``if ``/``:``)."""
    pad = _PAD * indent
    flat = f"{pad}{prefix}{render(term, top=True)}{suffix}"
    if len(flat) <= LINE_LENGTH:
        return [flat]
    if isinstance(term, Not):
        return [f"{pad}{prefix}not (", *_inside(term.inner, indent + 1), f"{pad}){suffix}"]
    if not isinstance(term, Chain):  # ruff wraps a too-long operand in parentheses, if that fits
        inner = f"{pad}{_PAD}{render(term, top=True)}"
        return [flat] if len(inner) > LINE_LENGTH else [f"{pad}{prefix}(", inner, f"{pad}){suffix}"]
    if len(term.terms) == 2 and any(not isinstance(t, str) for t in term.terms):
        return _two_statements(prefix, term, indent, suffix)
    return [f"{pad}{prefix}(", *_inside(term, indent + 1), f"{pad}){suffix}"]


def _two_statements(prefix: str, term: Chain, indent: int, suffix: str) -> list[str]:
    """``x = a and b`` as ``x = a`` / ``if x: x = b`` (``or``: ``if not x``); an ``if``
    condition becomes two nested conditions (``and``) or a helper flag (``or``)."""
    first, second = term.terms
    pad = _PAD * indent
    if prefix.endswith(" = ") and not suffix:
        target = prefix[:-3]
        test = target if term.op == "and" else f"not {target}"
        return [
            *statement(prefix, first, indent),
            f"{pad}if {test}:",
            *statement(prefix, second, indent + 1),
        ]
    raise ValueError(f"cannot split {prefix!r} conditions of two operands")  # never written


def _inside(term: Chain, indent: int) -> list[str]:
    """A chain inside parentheses: one line if it fits, else one operand per line."""
    pad = _PAD * indent
    joined = pad + render(term, top=True)
    if len(joined) <= LINE_LENGTH:
        return [joined]
    lines: list[str] = []
    for index, operand in enumerate(term.terms):
        lead = "" if index == 0 else f"{term.op} "
        text = f"{pad}{lead}{render(operand)}"
        if len(text) <= LINE_LENGTH or isinstance(operand, str):
            lines.append(text)
        elif isinstance(operand, Not):
            lines += [f"{pad}{lead}not (", *_inside(operand.inner, indent + 1), f"{pad})"]
        else:
            lines += [f"{pad}{lead}(", *_inside(operand, indent + 1), f"{pad})"]
    return lines
