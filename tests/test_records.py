"""`records.record` does what `dataclasses.dataclass` does for the features this tool uses:
each behaviour compared with the standard library's on twin classes."""

from __future__ import annotations

import copy
import dataclasses
from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from litemaas_upgrade import records
from litemaas_upgrade.records import FrozenInstanceError, field, record


def twins(**options):  # type: ignore[no-untyped-def]
    """The same class body made a dataclass and a record."""

    def body(decorate, field_):  # type: ignore[no-untyped-def]
        @decorate(**options)
        class Point:
            x: int
            y: str
            tags: tuple[int, ...] = field_(default_factory=tuple)
            z: int = 0
            hidden: str = field_(default="", repr=False)
            KIND: ClassVar[str] = "point"

            def norm(self) -> int:
                return abs(self.x) + self.z

        return Point

    return body(dataclasses.dataclass, dataclasses.field), body(record, field)


@pytest.mark.parametrize("compiled", [False, True], ids=["interpreted", "compiled"])
@pytest.mark.parametrize(
    "options",
    [{}, {"frozen": True}, {"slots": True}, {"frozen": True, "slots": True}, {"order": True}],
)
@given(
    x=st.integers(),
    y=st.text(max_size=5),
    z=st.integers(),
    x2=st.integers(),
    tags=st.lists(st.integers(), max_size=3).map(tuple),
)
def test_same_as_dataclasses(compiled, options, x, y, z, x2, tags) -> None:  # type: ignore[no-untyped-def]
    std, ours = twins(**options)
    if compiled:
        ours = warm(ours)
    a, b = std(x, y, tags, z=z), ours(x, y, tags, z=z)
    assert repr(a) == repr(b)  # the same text, `hidden` left out
    assert b.norm() == a.norm() and b.KIND == "point"
    assert (b.x, b.y, b.tags, b.z, b.hidden) == (a.x, a.y, a.tags, a.z, a.hidden)
    assert (ours(x, y, tags, z=z) == b) and (std(x, y, tags, z=z) == a)
    assert (ours(x2, y, tags, z=z) == b) == (std(x2, y, tags, z=z) == a)
    assert b != a  # a record equals only its own kind, as a dataclass does
    assert (b.__hash__ is None) == (a.__hash__ is None)
    if a.__hash__ is not None:  # (hashable fields only)
        assert hash(b) == hash(a) == hash(ours(x, y, tags, z=z))
        assert len({b, ours(x, y, tags, z=z)}) == 1
    if options.get("order"):
        assert (ours(x2, y) < ours(x, y)) == (std(x2, y) < std(x, y))
        assert (ours(x2, y) >= ours(x, y)) == (std(x2, y) >= std(x, y))
    assert records.asdict(b) == dataclasses.asdict(a)
    assert records.replace(b, z=z + 1).z == z + 1 and b.z == z
    assert records.replace(b, x=x2) == ours(x2, y, tags, z=z)
    assert copy.copy(b) == b and copy.deepcopy(b) == b  # (uses what pickle uses)
    assert hasattr(b, "__dict__") == hasattr(a, "__dict__")


def test_defaults_are_fresh_and_factories_called_per_record() -> None:
    @record(slots=True)
    class Bag:
        items: list[int] = field(default_factory=list)
        size: int = 0

    for _ in range(2):  # interpreted, then compiled
        bags = [Bag() for _ in range(records.COMPILE_AFTER)]
        bags[0].items.append(3)
        assert bags[1].items == [] and bags[0].items == [3]
    _, Point = twins()
    assert Point.z == 0 and not hasattr(Point, "tags")  # class attributes as in dataclasses
    assert Point.__match_args__ == ("x", "y", "tags", "z", "hidden")


def test_frozen_refuses_assignment_and_deletion() -> None:
    _, Point = twins(frozen=True, slots=True)
    p = Point(1, "a")
    with pytest.raises(FrozenInstanceError):
        p.x = 2
    with pytest.raises(FrozenInstanceError):
        del p.y
    with pytest.raises(AttributeError):
        p.other = 1  # slots: no new attributes either
    assert isinstance(FrozenInstanceError("x"), AttributeError)


def test_post_init_runs_after_the_fields_are_set() -> None:
    seen = []

    @record(frozen=True)
    class Checked:
        value: int

        def __post_init__(self) -> None:
            seen.append(self.value)
            if self.value < 0:
                raise ValueError("negative")

    for _ in range(2):  # interpreted, then compiled
        seen.clear()
        made = [Checked(3).value for _ in range(records.COMPILE_AFTER)]
        assert made == seen == [3] * records.COMPILE_AFTER
        with pytest.raises(ValueError, match="negative"):
            Checked(-1)


def test_methods_the_class_defines_win() -> None:
    @record(frozen=True, eq=False, slots=True)
    class Loose:
        value: str

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Loose) and self.value.lower() == other.value.lower()

        def __hash__(self) -> int:
            return hash(self.value.lower())

        def __repr__(self) -> str:
            return f"<{self.value}>"

    assert Loose("A") == Loose("a") and len({Loose("A"), Loose("a")}) == 1
    assert repr(Loose("A")) == "<A>"


def test_wrong_calls_fail_as_dataclasses_do() -> None:
    std, ours = twins()
    for cls in (std, ours, warm(twins()[1])):
        with pytest.raises(TypeError):
            cls(1)  # y missing
        with pytest.raises(TypeError):
            cls(1, "a", [], 0, "", "extra")
        with pytest.raises(TypeError):
            cls(1, "a", nope=1)


def test_definitions_dataclasses_refuse_are_refused() -> None:
    with pytest.raises(ValueError, match="mutable default"):

        @record
        class Shared:
            items: list[int] = []  # noqa: RUF012 - the mistake under test

    with pytest.raises(TypeError, match="without a default follows"):

        @record
        class Order:
            a: int = 0
            b: int  # type: ignore[misc]

    with pytest.raises(ValueError, match="not both"):
        field(default=1, default_factory=int)

    @record
    class Base:
        a: int

    with pytest.raises(TypeError, match="cannot extend"):

        @record
        class Child(Base):
            b: int


def test_the_init_is_compiled_once_the_class_is_called_often() -> None:
    @record(slots=True)
    class Lazy:
        a: int
        b: int = 2

    stub = Lazy.__init__
    for _ in range(records.COMPILE_AFTER):
        assert Lazy(1).b == 2
    assert Lazy.__init__ is stub  # interpreted so far
    assert Lazy(1, 3).b == 3
    compiled = Lazy.__init__
    assert compiled is not stub and Lazy(4).a == 4 and Lazy.__init__ is compiled


def warm(cls):  # type: ignore[no-untyped-def]
    """`cls` with its `__init__` compiled: called past the interpreted calls."""
    for _ in range(records.COMPILE_AFTER + 1):
        cls(0, "")
    return cls
