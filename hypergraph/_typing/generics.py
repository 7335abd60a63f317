"""Generic calls: solve type variables the way mypy infers a call, then check it.

A graph makes the call ``consumer(producer(upstream))`` for you. For a generic producer
(``def wrap(x: T) -> list[T]``) its type variables are solved like mypy does: first from the
consumer's expected type (bidirectional inference; mypy's rules for when that context is used),
then from the arguments that feed the producer. A generic consumer
(``def same(a: list[T], b: list[T])``) solves its type variables from all its arguments at once,
so a variable solved twice must agree. Bounds (string bounds too) and value restrictions are
enforced. Unsolved variables count as ``Any``.
"""

from __future__ import annotations

import collections.abc as cabc
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field

from .classes import SUPERS, project, variance_of
from .normalise import (
    ANY,
    NEVER,
    NONE_TYPE,
    is_typevar,
    literal_base,
    literal_value,
    norm,
    substitute,
    typevar_bound,
    typevar_constraints,
    union_members,
)
from .signatures import callable_signature
from .tuples import OpaqueShape, tuple_shape
from .verdict import NO, YES, Check, Compat, all_of

_SUP, _SUB = "sup", "sub"  # formal :> actual (an argument), formal <: actual (a context)
Constraint = tuple[object, str, object]


def typevars_of(t: object) -> tuple[object, ...]:
    """The type variables ``t`` mentions (``list[T]`` -> (T,)); empty for concrete types."""
    if isinstance(t, type):
        return ()
    if is_typevar(t):
        return (t,)
    params = getattr(t, "__parameters__", ())
    return tuple(p for p in params if is_typevar(p)) if isinstance(params, tuple) else ()


@dataclass
class CallCheck:
    """The outcome of one solved call."""

    mapping: dict[object, object] = field(default_factory=dict)
    """TypeVar -> solved type (``Any`` when nothing constrains it)."""
    args: list[Compat] = field(default_factory=list)
    """Each argument against its parameter with the solution substituted."""
    bounds: dict[object, Compat] = field(default_factory=dict)
    """Each TypeVar's solution against its bound or value restriction."""
    returns: object = ANY
    """The return type with the solution substituted."""

    @property
    def verdict(self) -> Compat:
        return all_of([*self.args, *self.bounds.values()])


def solve_call(
    check: Check,
    formals: Sequence[object],
    actuals: Sequence[object | None],
    returns: object,
    context: object | None,
) -> CallCheck:
    """Solve and check a call; ``None`` actuals are unknown (graph inputs) and constrain nothing."""
    formals = [norm(f) for f in formals]
    returns = norm(returns)
    tvs: dict[object, None] = {}
    for t in (*formals, returns):
        tvs.update(dict.fromkeys(typevars_of(t)))
    fixed: dict[object, object] = {}
    if context is not None and typevars_of(returns) and not typevars_of(context):
        fixed = _from_context(check, returns, norm(context), tuple(tvs))
    constraints: list[Constraint] = []
    for f, a in zip(formals, actuals):
        if a is not None:
            infer(check, substitute(f, fixed), norm(a), _SUP, constraints)
    rest = tuple(tv for tv in tvs if tv not in fixed)
    solved = solve(check, rest, constraints)
    mapping = {**fixed, **{tv: ANY if t is None else t for tv, t in solved.items()}}
    result = CallCheck(mapping=mapping)
    for tv in tvs:
        value, verdict = _restricted(check, tv, mapping[tv])
        mapping[tv] = value
        result.bounds[tv] = verdict
    for f, a in zip(formals, actuals):
        if a is not None:
            result.args.append(check(norm(a), norm(substitute(f, mapping))))
    result.returns = norm(substitute(returns, mapping))
    return result


def _from_context(
    check: Check, returns: object, context: object, tvs: tuple[object, ...]
) -> dict[object, object]:
    """mypy's first pass: type variables fixed by the expected return type."""
    r, ctx = returns, context
    r_members, c_members = union_members(r), union_members(ctx)
    if r_members and c_members and NONE_TYPE in r_members and NONE_TYPE in c_members:
        r = _without_none(r_members)  # Optional[T] <: Optional[int] means T <: int
        ctx = _without_none(c_members)
    if is_typevar(r) and not _generic_instance(ctx) and not literal_value(ctx)[0]:
        return {}  # a bare T: mypy solves it from the arguments only
    constraints: list[Constraint] = []
    infer(check, r, ctx, _SUB, constraints)
    fixed: dict[object, object] = {}
    for tv, t in solve(check, tvs, constraints).items():
        if t is None or t is NEVER or t is ANY:
            continue
        value, verdict = _restricted(check, tv, t)
        if verdict is not NO:
            fixed[tv] = value
    return fixed


def _without_none(members: tuple[object, ...]) -> object:
    rest = [m for m in members if m is not NONE_TYPE]
    return rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]  # noqa: UP007


def _generic_instance(t: object) -> bool:
    origin = typing.get_origin(t)
    return isinstance(origin, type) and bool(typing.get_args(t)) and origin is not type


def infer(
    check: Check, formal: object, actual: object, direction: str, out: list[Constraint]
) -> None:
    """Constraints on ``formal``'s type variables from ``formal :> actual`` (or ``<:``)."""
    tvs = typevars_of(formal)
    if not tvs:
        return
    if actual is ANY:
        out.extend((tv, direction, ANY) for tv in tvs)
        return
    if is_typevar(formal):
        out.append((formal, direction, actual))
        return
    f_members = union_members(formal)
    if f_members is not None:
        generic = [m for m in f_members if typevars_of(m)]
        concrete = [m for m in f_members if not typevars_of(m)]
        if direction == _SUP:
            for a in union_members(actual) or (actual,):
                if any(check(a, m) is YES for m in concrete):
                    continue
                for m in generic:
                    infer(check, m, a, direction, out)
        else:
            for m in generic:
                infer(check, m, actual, direction, out)
        return
    a_members = union_members(actual)
    if a_members is not None:
        if direction == _SUP:
            for a in a_members:
                infer(check, formal, a, direction, out)
        return
    _infer_structure(check, formal, actual, direction, out)


def _flip(direction: str) -> str:
    return _SUB if direction == _SUP else _SUP


def _infer_structure(
    check: Check, formal: object, actual: object, direction: str, out: list[Constraint]
) -> None:
    f_origin = typing.get_origin(formal) or formal
    ok, value = literal_value(actual)
    if ok:
        actual = literal_base(value)
    a_origin = typing.get_origin(actual) or actual
    f_args = tuple(norm(a) for a in typing.get_args(formal))
    if f_origin is cabc.Callable:
        f_sig, a_sig = callable_signature(formal), callable_signature(actual)
        if f_sig is None or a_sig is None or a_origin is not cabc.Callable:
            return
        infer(check, f_sig.returns, a_sig.returns, direction, out)
        if not (f_sig.any_params or a_sig.any_params):
            for fp, ap in zip(f_sig.params, a_sig.params):
                infer(check, fp.type, ap.type, _flip(direction), out)
        return
    if f_origin is tuple and (a_origin is tuple or _is_namedtuple(actual)):
        try:
            fs, as_ = tuple_shape(formal), tuple_shape(actual)
        except OpaqueShape:
            return
        if fs.star is None and as_.star is None and len(fs.head) == len(as_.head):
            pairs = list(zip(fs.head, as_.head))
        elif fs.star is not None and not fs.head and not fs.tail:
            pairs = [(fs.star, a) for a in as_.items]
        else:
            return
        for f, a in pairs:
            infer(check, f, a, direction, out)
        return
    if f_origin is type and a_origin is type:
        a_args = typing.get_args(actual)
        if f_args and a_args:
            infer(check, f_args[0], norm(a_args[0]), direction, out)
        return
    if not isinstance(f_origin, type) or not isinstance(a_origin, type):
        return
    if a_origin is tuple and f_origin is not tuple:
        try:
            items = tuple_shape(actual).items
        except OpaqueShape:
            return
        joined = join_all(check, items) if items else NEVER
        actual, a_origin = tuple[joined], tuple  # type: ignore[valid-type]
    a_args = tuple(norm(a) for a in typing.get_args(actual))
    if direction == _SUP:
        projected = project(a_origin, a_args or (ANY,) * len(variance_of(a_origin)), f_origin)
        pairs = list(zip(f_args, projected or ()))
    else:
        projected = project(f_origin, f_args, a_origin)
        pairs = list(zip(projected or (), a_args))
    if projected is None:
        return
    variance = variance_of(f_origin if direction == _SUP else a_origin)
    for (f, a), var in zip(pairs, variance):
        if var == "co":
            infer(check, f, a, direction, out)
        elif var == "contra":
            infer(check, f, a, _flip(direction), out)
        else:
            infer(check, f, a, _SUP, out)
            infer(check, f, a, _SUB, out)


def _is_namedtuple(t: object) -> bool:
    return isinstance(t, type) and issubclass(t, tuple) and hasattr(t, "_fields")


def solve(
    check: Check, tvs: Sequence[object], constraints: list[Constraint]
) -> dict[object, object | None]:
    """Each type variable's solution: the join of its lower bounds if it fits every upper
    bound, else the meet of its upper bounds; None when nothing constrains it."""
    out: dict[object, object | None] = {}
    for tv in tvs:
        lowers = [t for v, d, t in constraints if v is tv and d == _SUP]
        uppers = [t for v, d, t in constraints if v is tv and d == _SUB]
        if ANY in lowers or ANY in uppers:
            out[tv] = ANY
        elif lowers:
            out[tv] = join_all(check, lowers)
        elif uppers:
            out[tv] = _meet_all(check, uppers)
        else:
            out[tv] = None
    return out


def _restricted(check: Check, tv: object, t: object) -> tuple[object, Compat]:
    """The solution as mypy applies it: a value-restricted variable takes the narrowest
    allowed value the solution fits; a bounded one must fit its bound."""
    if t is ANY:
        return t, YES
    values = typevar_constraints(tv)
    if values:
        fitting = [norm(v) for v in values if check(t, norm(v)) is YES]
        if not fitting:
            return t, NO
        best = fitting[0]
        for v in fitting[1:]:
            if check(v, best) is YES:
                best = v
        return best, YES
    bound = typevar_bound(tv)
    if bound is None:
        return t, YES
    return t, check(t, norm(bound))


def join_all(check: Check, types: Sequence[object]) -> object:
    result = types[0]
    for t in types[1:]:
        result = join(check, result, t)
    return result


def join(check: Check, a: object, b: object) -> object:
    """The least upper bound of two types, as mypy's join computes it (approximately)."""
    if check(a, b) is YES:
        return b
    if check(b, a) is YES:
        return a
    if a is NONE_TYPE or b is NONE_TYPE or union_members(a) or union_members(b):
        members = [*(union_members(a) or (a,)), *(union_members(b) or (b,))]
        return typing.Union[tuple(members)]  # noqa: UP007
    for side in (a, b):
        ok, value = literal_value(side)
        if ok:
            return join(check, literal_base(value), b if side is a else a)
    joined = _join_structure(check, a, b)
    if check(a, joined) is NO or check(b, joined) is NO:
        return object  # never narrower than either side
    return joined


def _join_structure(check: Check, a: object, b: object) -> object:
    a_origin = typing.get_origin(a) or a
    b_origin = typing.get_origin(b) or b
    if (a_origin is tuple) != (b_origin is tuple):  # a tuple joins others as a Sequence
        a, b = _as_sequence(check, a), _as_sequence(check, b)
        a_origin = typing.get_origin(a) or a
        b_origin = typing.get_origin(b) or b
    if a_origin is tuple and b_origin is tuple:
        try:
            sa, sb = tuple_shape(a), tuple_shape(b)
        except OpaqueShape:
            return object
        if sa.star is None and sb.star is None and len(sa.head) == len(sb.head):
            return tuple[tuple(join(check, x, y) for x, y in zip(sa.head, sb.head))]  # type: ignore[misc]
        items = (*sa.items, *sb.items)
        return tuple[join_all(check, items) if items else object, ...]  # type: ignore[misc]
    if not isinstance(a_origin, type) or not isinstance(b_origin, type):
        return object
    a_args = tuple(norm(x) for x in typing.get_args(a)) or (ANY,) * len(variance_of(a_origin))
    b_args = tuple(norm(x) for x in typing.get_args(b)) or (ANY,) * len(variance_of(b_origin))
    for candidate in _ancestors(a_origin):
        pa = project(a_origin, a_args, candidate)
        pb = project(b_origin, b_args, candidate)
        if pa is None or pb is None:
            continue
        if not pa:
            return candidate
        joined = _join_args(check, pa, pb, variance_of(candidate))
        if joined is not None:
            return candidate[joined] if joined else candidate  # type: ignore[index]
    return object


def _as_sequence(check: Check, t: object) -> object:
    if (typing.get_origin(t) or t) is not tuple:
        return t
    try:
        items = tuple_shape(t).items
    except OpaqueShape:
        return cabc.Sequence[typing.Any]
    return cabc.Sequence[join_all(check, items) if items else typing.Any]  # type: ignore[misc]


def _join_args(
    check: Check, pa: tuple[object, ...], pb: tuple[object, ...], variance: tuple[str, ...]
) -> tuple[object, ...] | None:
    out: list[object] = []
    for x, y, var in zip(pa, pb, variance):
        if var == "co":
            out.append(join(check, x, y))
        elif x is ANY or y is ANY:
            out.append(ANY)
        elif check(x, y) is YES and check(y, x) is YES:
            out.append(x)
        else:
            return None
    return tuple(typing.Any if o is ANY else o for o in out)


def _ancestors(origin: type) -> list[object]:
    """``origin``, then its supertypes nearest first (typeshed's for builtins, the MRO else)."""
    seen: list[object] = []
    queue: list[object] = [origin]
    while queue:
        current = queue.pop(0)
        if current in seen or current is object:
            continue
        seen.append(current)
        queue.extend(sup for sup, _ in SUPERS.get(current, ()))
        if isinstance(current, type):
            queue.extend(current.__mro__[1:])
    return seen


def _meet_all(check: Check, types: Sequence[object]) -> object:
    best = types[0]
    for t in types[1:]:
        if check(t, best) is YES:
            best = t
        elif check(best, t) is not YES:
            return NEVER
    return best
