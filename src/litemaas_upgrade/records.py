"""Records: the part of `dataclasses` this tool uses, at a small part of its start-up cost.

A pre-commit run defines about forty record classes before it reads a file. `dataclasses`
compiles six or so methods for each one with `exec`, and imports `inspect` (with `ast`,
`dis` and `tokenize`): a large share of a pre-commit run (measured in bench/README.md,
"Start-up"). Here a record's
`__init__` binds its arguments itself for a class's first calls and is compiled only once
the class is called often (most record classes are called a few times or never in a
pre-commit run), and equality, hashing, ordering and repr are shared
functions over the class's field names. Type checkers read `record` as they read
`dataclass` (PEP 681), so mypy still checks constructor calls and frozen fields.

What it does, as `dataclasses` does it: fields from the class's own annotations in order
(`ClassVar` ones are not fields), defaults and `field(default=, default_factory=,
repr=, compare=)`, `__post_init__`, `frozen` (assigning raises FrozenInstanceError), `eq`
(with `__hash__` when frozen, none when not), `order`, `slots`, `replace()` and
`asdict()`. Methods the class defines itself are kept. Not supported: a record that
extends another record (none does; `record` refuses rather than guess), `init=False`,
`kw_only`, `InitVar`."""

from __future__ import annotations

from operator import attrgetter

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, dataclass_transform

    R = TypeVar("R")
else:

    def dataclass_transform(**_kwargs: Any) -> Any:  # only type checkers read it
        return lambda f: f


class FrozenInstanceError(AttributeError):
    """An assignment to a field of a frozen record."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    """How one field is made: its default, or a factory for a new default per record."""

    __slots__ = ("default", "default_factory", "repr", "compare")

    def __init__(self, default: Any, default_factory: Any, repr: bool, compare: bool) -> None:
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare


def field(
    *,
    default: Any = MISSING,
    default_factory: Callable[[], Any] | Any = MISSING,
    repr: bool = True,
    compare: bool = True,
) -> Any:
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("a field takes a default or a default_factory, not both")
    return Field(default, default_factory, repr, compare)


@dataclass_transform(field_specifiers=(field,))
def record(
    cls: Any = None,
    /,
    *,
    frozen: bool = False,
    eq: bool = True,
    order: bool = False,
    slots: bool = False,
    repr: bool = True,
) -> Any:
    """`@record` or `@record(frozen=True, slots=True, ...)` on a class with annotations."""

    def wrap(c: type) -> type:
        return _build(c, frozen=frozen, eq=eq, order=order, slots=slots, with_repr=repr)

    return wrap if cls is None else wrap(cls)


def replace(obj: R, /, **changes: Any) -> R:
    """A copy of the record `obj` with some fields changed."""
    cls: Any = type(obj)
    for name in cls.__record_fields__:
        if name not in changes:
            changes[name] = getattr(obj, name)
    return cls(**changes)  # type: ignore[no-any-return]


def asdict(obj: Any) -> Any:
    """A record as a dict of its fields, records inside it too (lists, tuples, dicts)."""
    names = getattr(type(obj), "__record_fields__", None)
    if names is not None:
        return {name: asdict(getattr(obj, name)) for name in names}
    if isinstance(obj, list | tuple):
        return type(obj)(asdict(v) for v in obj)
    if isinstance(obj, dict):
        return {asdict(k): asdict(v) for k, v in obj.items()}
    return obj


# -- building a record class ----------------------------------------------------------


def _build(cls: Any, *, frozen: bool, eq: bool, order: bool, slots: bool, with_repr: bool) -> Any:
    for base in cls.__mro__[1:]:
        if "__record_fields__" in base.__dict__:
            raise TypeError(f"{cls.__name__}: a record cannot extend the record {base.__name__}")
    own = cls.__dict__
    specs: dict[str, Field] = {}
    for name, annotation in own.get("__annotations__", {}).items():
        text = annotation if isinstance(annotation, str) else repr(annotation)
        if text.startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = own.get(name, MISSING)
        spec = value if isinstance(value, Field) else Field(value, MISSING, True, True)
        if isinstance(spec.default, list | dict | set):
            raise ValueError(
                f"{cls.__name__}.{name}: a mutable default is shared by every record; "
                "use default_factory"
            )
        required = spec.default is MISSING and spec.default_factory is MISSING
        if required and any(not _required(s) for s in specs.values()):
            raise TypeError(f"{cls.__name__}: field {name!r} without a default follows one with")
        if name == "self" or not name.isidentifier():  # the name is compiled into __init__
            raise TypeError(f"{cls.__name__}: {name!r} cannot be a field name")
        specs[name] = spec
    names = tuple(specs)
    if slots:
        cls = _slotted(cls, names)
    else:  # as in dataclasses: the class attribute is the default, or nothing
        for name, spec in specs.items():
            if isinstance(own.get(name), Field):
                if spec.default is MISSING:
                    delattr(cls, name)
                else:
                    setattr(cls, name, spec.default)
    cls.__record_fields__ = names
    cls.__record_key__ = _getter(tuple(n for n in names if specs[n].compare))
    cls.__record_shown__ = tuple(n for n in names if specs[n].repr)
    methods: dict[str, Any] = {
        "__init__": _deferred_init(cls, specs, frozen),
        "__match_args__": names,
    }
    if with_repr:
        methods["__repr__"] = _repr
    if eq:
        methods["__eq__"] = _eq
    if order:
        methods.update(__lt__=_lt, __le__=_le, __gt__=_gt, __ge__=_ge)
    if frozen:
        methods.update(__setattr__=_frozen_setattr, __delattr__=_frozen_delattr)
        if slots:  # copy and pickle set slots with setattr, which a frozen record refuses
            methods.update(__getstate__=_getstate, __setstate__=_setstate)
    for name, method in methods.items():
        if name not in own:  # what the class defines itself wins, as in dataclasses
            setattr(cls, name, method)
    # Equal records must hash alike: a frozen one hashes its fields, a mutable one cannot
    # be hashed (Python leaves `__hash__ = None` in a class that defines `__eq__`).
    explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
    if eq and not explicit_hash:
        cls.__hash__ = _hash if frozen else None
    return cls


def _required(spec: Field) -> bool:
    return spec.default is MISSING and spec.default_factory is MISSING


def _slotted(cls: type, names: tuple[str, ...]) -> type:
    """The class made again with `__slots__` (slots cannot be added to a class)."""
    body = {k: v for k, v in cls.__dict__.items() if k not in names}
    body.pop("__dict__", None)
    body.pop("__weakref__", None)
    body["__slots__"] = names
    slotted = type(cls)(cls.__name__, cls.__bases__, body)
    slotted.__qualname__ = cls.__qualname__  # a type's own, not in its __dict__
    return slotted


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The record's compared fields as a tuple (attrgetter gives a bare value for one)."""
    if len(names) >= 2:
        return attrgetter(*names)
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


# Calls a record class takes interpreted before its `__init__` is compiled. Compiling one
# costs about 0.6 million instructions, an interpreted call a few thousand: most record
# classes of a pre-commit run are called only a few times (39 compiled inits were 6% of
# that run, bench/README.md "Start-up"), while `plan` calls some a million times.
COMPILE_AFTER = 24


def _deferred_init(cls: type, specs: dict[str, Field], frozen: bool) -> Any:
    """An `__init__` that binds its arguments itself for the first calls, then compiles
    the real one and puts it in its place."""
    names = tuple(specs)
    setter = object.__setattr__ if frozen else setattr
    post_init = hasattr(cls, "__post_init__")
    calls = [0]

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        calls[0] += 1
        if calls[0] > COMPILE_AFTER:
            init = _compile_init(cls, specs, frozen)
            type.__setattr__(cls, "__init__", init)
            init(self, *args, **kwargs)
            return
        where = f"{cls.__qualname__}.__init__()"
        if len(args) > len(names):
            raise TypeError(
                f"{where} takes {len(names) + 1} positional arguments but "
                f"{len(args) + 1} were given"
            )
        values = dict(zip(names, args, strict=False))  # (fewer args: defaults follow)
        for key, value in kwargs.items():
            if key not in specs:
                raise TypeError(f"{where} got an unexpected keyword argument {key!r}")
            if key in values:
                raise TypeError(f"{where} got multiple values for argument {key!r}")
            values[key] = value
        for name, spec in specs.items():
            if name in values:
                value = values[name]
            elif spec.default_factory is not MISSING:
                value = spec.default_factory()
            elif spec.default is not MISSING:
                value = spec.default
            else:
                raise TypeError(f"{where} missing required argument: {name!r}")
            setter(self, name, value)
        if post_init:
            self.__post_init__()

    return __init__


def _compile_init(cls: type, specs: dict[str, Field], frozen: bool) -> Any:
    scope: dict[str, Any] = {"MISSING": MISSING, "_set": object.__setattr__}
    params: list[str] = []
    body: list[str] = []
    for name, spec in specs.items():
        value = name
        if spec.default_factory is not MISSING:
            scope[f"_factory_{name}"] = spec.default_factory
            params.append(f"{name}=MISSING")
            value = f"_factory_{name}() if {name} is MISSING else {name}"
        elif spec.default is not MISSING:
            scope[f"_default_{name}"] = spec.default
            params.append(f"{name}=_default_{name}")
        else:
            params.append(name)
        body.append(f"_set(self, {name!r}, {value})" if frozen else f"self.{name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n    " + ("\n    ".join(body) or "pass")
    exec(source, scope)  # noqa: S102 - our own generated code, as dataclasses does
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


# -- the shared methods ---------------------------------------------------------------


def _repr(self: Any) -> str:
    shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__record_shown__)
    return f"{type(self).__qualname__}({shown})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return self.__record_key__(self) == self.__record_key__(other)


def _hash(self: Any) -> int:
    return hash(self.__record_key__(self))


def _lt(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return self.__record_key__(self) < self.__record_key__(other)


def _le(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return self.__record_key__(self) <= self.__record_key__(other)


def _gt(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return self.__record_key__(self) > self.__record_key__(other)


def _ge(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return self.__record_key__(self) >= self.__record_key__(other)


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, n) for n in self.__record_fields__]


def _setstate(self: Any, state: list[Any]) -> None:
    for name, value in zip(self.__record_fields__, state, strict=True):
        object.__setattr__(self, name, value)
