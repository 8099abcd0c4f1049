"""The faster constructor of frozen, slotted dataclasses builds exactly what the dataclass's own would."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import InitVar, dataclass, field
from decimal import Decimal

import pytest

from engine import events as ev
from engine.model import Liquidity, Side
from engine.quick_init import quick_init, quick_init_all
from engine.views import ParentView


@dataclass(frozen=True, slots=True)
class Base:
    ts_ns: int


@quick_init
@dataclass(frozen=True, slots=True)
class Record(Base):
    name: str
    price: Decimal | None = None
    tags: tuple[str, ...] = ()
    extra: dict[str, int] = field(default_factory=dict)


@quick_init
@dataclass(frozen=True, slots=True)
class Checked:
    quantity: int

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError(f"quantity must be positive, got {self.quantity}")


def test_fields_defaults_and_inherited_fields_are_set_as_the_dataclass_sets_them() -> None:
    record = Record(5, "a", Decimal("1.5"), ("x",))
    assert (record.ts_ns, record.name, record.price, record.tags, record.extra) == (5, "a", Decimal("1.5"), ("x",), {})
    assert Record(1, name="b") == Record(1, "b", None, (), {})
    assert Record(1, "b").extra is not Record(1, "b").extra  # the factory runs per instance
    assert repr(Record(1, "b")) == "Record(ts_ns=1, name='b', price=None, tags=(), extra={})"


def test_instances_stay_frozen_hashable_replaceable_and_picklable() -> None:
    key = Checked(3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        key.quantity = 4  # type: ignore[misc]
    assert hash(key) == hash(Checked(3)) and {key: 1}[Checked(3)] == 1
    assert dataclasses.replace(key, quantity=7) == Checked(7)
    assert pickle.loads(pickle.dumps(key)) == key


def test_post_init_still_runs() -> None:
    with pytest.raises(ValueError, match="positive"):
        Checked(0)
    with pytest.raises(ValueError, match="positive"):
        dataclasses.replace(Checked(1), quantity=-1)


def test_wrong_arguments_fail_as_they_would() -> None:
    with pytest.raises(TypeError):
        Record(1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Record(1, "a", unknown=2)  # type: ignore[call-arg]


def test_what_it_cannot_rebuild_faithfully_is_refused() -> None:
    @dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclass(slots=True)
    class Mutable:
        a: int

    @dataclass(frozen=True, slots=True)
    class Hidden:
        a: int
        b: int = field(init=False, default=0)

    @dataclass(frozen=True, slots=True)
    class WithInitVar:
        a: int
        scale: InitVar[int] = 1

    @dataclass(frozen=True, slots=True, kw_only=True)
    class KeywordOnly:
        a: int

    for cls in (NoSlots, Mutable, Hidden, WithInitVar, KeywordOnly):
        with pytest.raises(TypeError):
            quick_init(cls)


def test_every_engine_event_and_the_views_have_it_and_build_the_same_objects() -> None:
    assert quick_init_all(vars(ev)) == len([c for c in vars(ev).values() if isinstance(c, type)
                                            and dataclasses.is_dataclass(c) and c.__module__ == ev.__name__])
    fill = ev.ChildFilled(1, "F1", "C1", "P1", "LIT1", "AAPL", Side.BUY, 100, Decimal("10.01"), Decimal("-0.2"),
                          Liquidity.ADDED)
    assert dataclasses.astuple(fill) == (1, "F1", "C1", "P1", "LIT1", "AAPL", Side.BUY, 100, Decimal("10.01"),
                                         Decimal("-0.2"), Liquidity.ADDED)
    assert ev.ChildFilled.__init__.__qualname__ == "ChildFilled.__init__"
    assert any(name.startswith("_qi_") for name in ParentView.__init__.__code__.co_freevars)
