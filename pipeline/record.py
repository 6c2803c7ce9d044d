"""Equality and repr for the plain data classes of the document model and the checker.

These classes are not dataclasses because `pipeline check` must start fast. Importing
:mod:`dataclasses` also imports inspect, ast, dis and tokenize (about 15 ms), and each
``@dataclass`` exec()s the source of its generated methods (0.3 to 1 ms a class). The check
path has about 35 of these classes, so that came to about 30 ms: more than loading and checking
a chapter. Instead each class writes its own ``__init__``, lists its fields once in
``__slots__``, and gets ``==`` and ``repr()`` from :class:`Record`. They compare and print the
way the dataclasses did.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing costs `pipeline check` its start-up
if TYPE_CHECKING:
    from typing import Self


class Record:
    """Field-by-field ``==`` and a dataclass-style ``repr()`` over the fields named in ``_fields``.

    Like a dataclass with ``eq=True`` that is not frozen, a record is mutable and unhashable.
    """

    __slots__ = ()
    _fields: tuple[str, ...] = ()  # compared and shown, in the order of the constructor
    _args: tuple[str, ...] = ()  # the constructor's arguments, when they are more than _fields

    def _values(self) -> tuple[object, ...]:
        return tuple([getattr(self, name) for name in self._fields])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._values() == other._values()  # type: ignore[attr-defined]
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def but(self, **changes: object) -> Self:
        """A copy with the given fields changed, the others the same (``dataclasses.replace``)."""
        values = {name: getattr(self, name) for name in self._args or self._fields}
        values.update(changes)
        return type(self)(**values)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__qualname__}({shown})"
