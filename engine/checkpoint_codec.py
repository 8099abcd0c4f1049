"""The bytes of a checkpoint: the order store, the ticket desk and its book as they stand between turns.

Format: an explicit export of each owner's state, written with pickle's machinery but not as a plain
pickle (`snapshot`, `restore`). Why not pickle the objects as they are:
- the ticket book, its blocks and allocators may be compiled by mypyc (engine/native.py);
  compiled classes do not pickle (they cannot be made without their constructor's arguments), and a
  source build's pickle of them would not load in a compiled process. They go as their attribute
  values and are rebuilt through their constructors, so either build restores the other's checkpoint;
- the book's configuration (instruments, aggregation rules, crossing policy and what it derives from
  them, a lambda among it) is not state: the restoring engine's own book keeps it, and a checkpoint
  taken under another configuration is refused;
- plain pickle rebuilds each frozen dataclass (events the store keeps, fill views, tickets: most of the
  objects) through a Python-level `__setstate__`: 5 s for a 1M-record day. Those, and the store's order
  records, go as columns of field values set with C-level maps; each distinct Decimal goes once; a
  column of few distinct strs or enums goes as codes. With the collector off while the objects are made,
  a 1M-record day restores in about 0.9 s here (bench/restart.py).
Each owner says what its state is (`export_state` / `import_state` of the store, the desk and its ticket
book; the book leaves out what it derives from its configuration, and `configuration()` is compared). A
checkpoint from other code (`code_digest`) or in another format is refused: recovery replays more.

A checkpoint may be taken only between engine turns, when the store and desk hold exactly what the
journal holds up to `seq` (nothing applied but not yet committed).
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import io
import pickle
import threading
from array import array
from collections import deque
from collections.abc import Callable, Mapping
from decimal import Decimal
from enum import Enum
from itertools import repeat
from operator import attrgetter
from pathlib import Path
from typing import Any

from engine import events as ev
from engine import native, views
from engine import store as store_module
from engine.desk import TicketDesk
from engine.recovery import Counters
from engine.store import OrderStore
from engine.tickets import IMPLEMENTATION
from engine.tickets import model as tickets_model
from engine.tickets.allocation import ContinuousAllocator
from engine.tickets.blocks import Block

FORMAT = 2
"""Bumped whenever the layout of a checkpoint changes; another format is never read."""

_ENGINE = Path(__file__).resolve().parent
_DIGESTED = ("checkpoint.py", "checkpoint_codec.py", "desk.py", "events.py", "model.py", "recovery.py", "states.py",
             "store.py", "views.py")

# Constructor arguments of the compiled classes, by attribute name (a compiled object can only be made
# through its constructor; every attribute is then set from the checkpoint).
_BLOCK_INIT = ("block_id", "seq", "instrument", "side", "open_key", "crossable", "mandate_fields", "price_grid",
               "money")
_ALLOCATOR_INIT = ("weights",)


class CheckpointError(Exception):
    """A checkpoint cannot be taken: the state does not fit the format, or it would not match the journal."""


class Refused(Exception):
    """A stored checkpoint must not be trusted; the message says why (recovery then replays more)."""



def code_digest() -> str:
    """SHA-256 over the sources that define the checkpointed state and how replay builds it: the ticket
    package (engine/tickets/*.py, the compiled modules' sources included), the risk package (positions live
    in the store), the store, desk, events,
    views, model, state machine, recovery and this module. A checkpoint from any other code is refused."""
    return _DIGEST


def _digest() -> str:
    files = (sorted((_ENGINE / "tickets").glob("*.py")) + sorted((_ENGINE / "risk").glob("*.py"))
             + [_ENGINE / name for name in _DIGESTED])
    total = hashlib.sha256()
    for path in files:  # each file's digest as the mypyc build stamps it
        total.update(f"{path.relative_to(_ENGINE.parent)}\0{native.source_digest(path)}\n".encode())
    return total.hexdigest()


_DIGEST = _digest()  # the code this process loaded (a file edited while it runs is not what it runs)


# --- the state as bytes --------------------------------------------------------------------------------
#
# Frozen slotted dataclasses (the events the store keeps, fill views, tickets) are most of the objects,
# and pickle rebuilds each through the Python-level `__setstate__` dataclasses gives them (~5 us each:
# seconds for a day). They go instead as "leaves": pickled as a reference into a table, and their fields
# as one column per field, restored with C-level maps (object.__new__, object.__setattr__).


class _LeafTable(list[Any]):
    """The leaves being restored; pickled by name, so a reference costs one C-level `__getitem__`."""

    def __reduce__(self) -> str:
        return "_LEAVES"


_LEAVES = _LeafTable()
_RESTORING = threading.Lock()  # `_LEAVES` is one per process
_LEAF_MODULES = (ev, views, tickets_model)
"""Where leaf classes are found. Not engine.model: a leaf's fields are set only after the whole graph is
read, and a compiled Block's constructor reads its Instrument while the graph is read."""


def _leaf_classes() -> dict[type[Any], tuple[str, ...]]:
    """Frozen slotted dataclasses of `_LEAF_MODULES`, and the store's slotted order records."""
    found: dict[type[Any], tuple[str, ...]] = {}
    for module in _LEAF_MODULES:
        for obj in vars(module).values():
            if (isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__module__ == module.__name__
                    and "__slots__" in vars(obj)):
                found[obj] = tuple(f.name for f in dataclasses.fields(obj))
    for obj in vars(store_module).values():
        if isinstance(obj, type) and obj.__module__ == store_module.__name__ and "__slots__" in vars(obj):
            found[obj] = tuple(sorted(_attributes_of_class(obj)))
    return found


def _slot_setters(cls: type[Any], names: tuple[str, ...]) -> list[Callable[[Any, Any], None]]:
    """Each field's slot descriptor `__set__` (skips the attribute lookup and a frozen `__setattr__`)."""
    setters = []
    for name in names:
        owner = next(klass for klass in cls.__mro__ if name in vars(klass))
        setters.append(vars(owner)[name].__set__)
    return setters


class _DecimalTable(list[Decimal]):
    """The distinct Decimals of the snapshot being restored, pickled by name like `_LEAVES`."""

    def __reduce__(self) -> str:
        return "_DECIMALS"


_DECIMALS = _DecimalTable()
_CODED_TYPES = (str, bool, type(None), Enum)


class _Writer:
    """One snapshot's pickler: compiled objects by attribute, leaves into tables then columns, each
    distinct Decimal once (as text, exactly: Decimal("1.0") and Decimal("1.00") stay apart)."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.pickler = pickle.Pickler(self.buffer, protocol=pickle.HIGHEST_PROTOCOL)
        table: dict[type[Any], Callable[[Any], tuple[Any, ...]]] = dict(_REDUCERS)
        table.update(dict.fromkeys(_LEAF_FIELDS, self._leaf))
        table[Decimal] = self._decimal
        self.pickler.dispatch_table = table  # type: ignore[misc]
        self.leaves: list[Any] = []
        self.get = _LEAVES.__getitem__
        self.decimals: dict[str, int] = {}
        self.get_decimal = _DECIMALS.__getitem__

    def _leaf(self, obj: Any) -> tuple[Any, ...]:
        self.leaves.append(obj)
        return self.get, (len(self.leaves) - 1,)

    def _decimal(self, value: Decimal) -> tuple[Any, ...]:
        text = str(value)
        index = self.decimals.get(text)
        if index is None:
            index = self.decimals[text] = len(self.decimals)
        return self.get_decimal, (index,)

    def dump(self, state: object) -> tuple[list[type[Any]], bytes, bytes]:
        """The state, then the columns of every leaf it reaches (leaves inside leaves in later rounds)."""
        self.pickler.dump(state)
        done = 0
        while done < len(self.leaves):
            batch, done = self.leaves[done:], len(self.leaves)
            groups: dict[type[Any], list[int]] = {}
            for index, leaf in enumerate(batch, start=done - len(batch)):
                groups.setdefault(type(leaf), []).append(index)
            columns = []
            for cls, indices in groups.items():
                objs = list(map(self.leaves.__getitem__, indices))
                names = _LEAF_FIELDS[cls]
                columns.append((cls, names, indices, [_coded(list(map(attrgetter(name), objs))) for name in names]))
            self.pickler.dump(columns)
        self.pickler.dump(None)
        classes = list(dict.fromkeys(map(type, self.leaves)))
        code = {cls: i for i, cls in enumerate(classes)}
        kinds = bytes(map(code.__getitem__, map(type, self.leaves)))
        return classes, kinds, self.buffer.getvalue()


def _coded(column: list[Any]) -> list[Any] | tuple[list[Any], str, bytes]:
    """A column of few distinct strs, enums, bools or Nones as (distinct values, array typecode, codes).
    Values are told apart by type and value, so nothing equal but different (a str enum and its
    value) can stand in for another."""
    if len(column) < 64 or not all(issubclass(kind, _CODED_TYPES) for kind in set(map(type, column))):
        return column
    keys = list(zip(map(type, column), column, strict=True))
    index = {key: i for i, key in enumerate(dict.fromkeys(keys))}
    if len(index) * 4 > len(column):
        return column
    typecode = "B" if len(index) < 256 else "I"
    return [value for _, value in index], typecode, array(typecode, map(index.__getitem__, keys)).tobytes()


def _decoded(column: list[Any] | tuple[list[Any], str, bytes]) -> list[Any]:
    if isinstance(column, list):
        return column
    distinct, typecode, codes = column
    return list(map(distinct.__getitem__, array(typecode, codes)))


def snapshot(store: OrderStore, desk: TicketDesk, counters: Counters) -> bytes:
    """The state as bytes (the caller guarantees it is between turns)."""
    state = {"store": store.export_state(), "desk": desk.export_state()}
    collecting = gc.isenabled()
    gc.disable()  # millions of new objects: the collector would walk them all again and again
    try:
        writer = _Writer()
        classes, kinds, body = writer.dump(state)
        header = {
            "format": FORMAT,
            "digest": _DIGEST,
            "written_by": IMPLEMENTATION.describe(),
            "config": desk.book.configuration(),  # checked on restore
            "counters": counters,
            "leaves": [(cls, _LEAF_FIELDS[cls]) for cls in classes],
            "kinds": kinds,
            "decimals": list(writer.decimals),
        }
        return pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL) + body
    except (pickle.PicklingError, TypeError, AttributeError, ValueError) as error:
        raise CheckpointError(f"the state cannot be checkpointed: {error}") from error
    finally:
        if collecting:
            gc.enable()


def restore(blob: bytes, store: OrderStore, desk: TicketDesk, *, freeze: bool = True) -> Counters:
    """Fill the empty `store` and `desk` (built by the restoring engine, with its configuration) from a
    snapshot; raises `Refused` (changing nothing) when it was written by other code, in another format or
    under another configuration.

    The collector is off while millions of objects are made. With `freeze` they then go to its permanent
    generation (`gc.freeze()`, as app/gui.py does with what startup built: the engine's state is
    long-lived); without, the next young collection walks every one of them (~0.3 s for a 1M-record day)."""
    if store.fill_count or store.parents() or desk.ticket_ids():
        raise CheckpointError("restore needs an empty store and desk")
    stream = io.BytesIO(blob)
    try:
        header = pickle.Unpickler(stream).load()
    except Exception as error:  # older code's classes, truncation
        raise Refused(f"unreadable: {type(error).__name__}: {error}") from error
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise Refused(f"format {header.get('format') if isinstance(header, dict) else '?'}, this code reads {FORMAT}")
    if header.get("digest") != _DIGEST:
        raise Refused("written by other code (source digest differs)")
    if header["config"] != desk.book.configuration():
        raise Refused("taken under another configuration (instruments, aggregation rules or crossing policy)")
    if any(_LEAF_FIELDS.get(cls) != names for cls, names in header["leaves"]):
        raise Refused("a recorded class's fields differ")
    collecting = gc.isenabled()
    gc.disable()
    try:
        try:
            with _RESTORING:
                state = _read_body(stream, [cls for cls, _ in header["leaves"]], header["kinds"], header["decimals"])
        except Exception as error:
            raise Refused(f"unreadable: {type(error).__name__}: {error}") from error
        try:
            desk.import_state(state["desk"])
            store.import_state(state["store"])
        except (KeyError, TypeError) as error:
            raise Refused(f"not this code's state: {error}") from error
        if freeze:
            gc.freeze()
    finally:
        if collecting:
            gc.enable()
    counters: Counters = header["counters"]
    return counters


def _read_body(stream: io.BytesIO, classes: list[type[Any]], kinds: bytes, decimals: list[str]) -> Any:
    _DECIMALS[:] = map(Decimal, decimals)
    _LEAVES[:] = map(object.__new__, map(classes.__getitem__, kinds))  # empty: references resolve to them
    try:
        unpickler = pickle.Unpickler(stream)
        state = unpickler.load()
        while (columns := unpickler.load()) is not None:
            for cls, _, indices, values in columns:
                objs = list(map(_LEAVES.__getitem__, indices))
                for setter, column in zip(_LEAF_SETTERS[cls], values, strict=True):
                    deque(map(setter, objs, _decoded(column)), maxlen=0)
        return state
    finally:
        _LEAVES.clear()
        _DECIMALS.clear()


def _attributes_of_class(cls: type[Any]) -> frozenset[str]:
    """A class's instance attributes: mypyc lists them in `__mypyc_attrs__`, Python in `__slots__`."""
    names = getattr(cls, "__mypyc_attrs__", None)
    if names is None:
        names = [name for klass in cls.__mro__ for name in getattr(klass, "__slots__", ())]
    return frozenset(names) - {"__dict__", "__weakref__"}


def _compiled_reducer(cls: type[Any], init: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """Pickle a class the build may compile as its attribute values, rebuilt through its constructor."""
    names = tuple(sorted(_attributes_of_class(cls)))
    missing = set(init) - set(names)
    if missing:
        raise CheckpointError(f"{cls.__name__} has no attribute(s) {sorted(missing)}: update engine/checkpoint.py")
    positions = tuple(names.index(name) for name in init)
    get = attrgetter(*names)

    def reduce(obj: Any) -> tuple[Any, ...]:
        return _revive, (cls, positions, names, get(obj))

    return reduce


def _revive(cls: type[Any], positions: tuple[int, ...], names: tuple[str, ...], values: tuple[Any, ...]) -> Any:
    """Rebuild a (possibly compiled) object: its constructor, then every attribute as it was."""
    obj = cls(*[values[i] for i in positions])
    deque(map(setattr, repeat(obj), names, values), maxlen=0)
    return obj


_LEAF_FIELDS = _leaf_classes()
_LEAF_SETTERS = {cls: _slot_setters(cls, names) for cls, names in _LEAF_FIELDS.items()}
_REDUCERS: Mapping[type[Any], Callable[[Any], tuple[Any, ...]]] = {
    Block: _compiled_reducer(Block, _BLOCK_INIT),
    ContinuousAllocator: _compiled_reducer(ContinuousAllocator, _ALLOCATOR_INIT),
}
