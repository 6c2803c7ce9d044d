"""Suggestions for typos: "did you mean 'pros'?".

Only imported where a message is built; difflib is imported inside the function, so that
`pipeline check` does not pay for it at start-up.
"""

from __future__ import annotations

from collections.abc import Iterable


def close_matches(word: str, candidates: Iterable[str], n: int = 1) -> list[str]:
    """The candidates closest to ``word`` (difflib's ratio of at least 0.7), best first."""
    import difflib

    return difflib.get_close_matches(word, [c for c in candidates if c != word], n=n, cutoff=0.7)


def close_id(unit_id: str, ids: Iterable[str]) -> str | None:
    """The id closest to a dotted ``unit_id`` (``profiles.caffe.pros.feedforwrd``), or None.

    Ids share long prefixes, which would make any two look alike: the last parts of the ids
    under the same parent are compared first, then whole ids, more strictly.
    """
    parent, _, last = unit_id.rpartition(".")
    ids = [i for i in ids if i != unit_id]
    siblings = {i.rpartition(".")[2]: i for i in ids if i.rpartition(".")[0] == parent}
    found = close_matches(last, siblings)
    if found:
        return siblings[found[0]]
    import difflib

    whole = difflib.get_close_matches(unit_id, ids, n=1, cutoff=0.85)
    return whole[0] if whole else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``"did you mean 'pros'?"`` for the candidate closest to ``word``, or ``""`` when none is close."""
    found = close_matches(word, candidates)
    return f"did you mean {found[0]!r}?" if found else ""


def misplaced_unit_field(name: str, previous: tuple[object, object] | None) -> str:
    """The message for a unit's field name (``source``) found where an id belongs: the field is
    indented too little, so YAML reads it as a sibling of its unit rather than a part of it.

    ``previous`` is the (key, value) pair of the yamlsrc nodes before it, when there is one."""
    what = f"'{name}:' looks like a unit's field that is not indented under its unit"
    if previous is None:
        return f"{what}; indent it as far as that unit's 'text:'"
    key, value = previous
    unit = getattr(key, "value", "")
    if getattr(value, "kind", "") == "mapping":
        if value.get("text") is None:  # type: ignore[attr-defined]  # a section, a list: not a unit
            return f"{what}; indent it as far as that unit's 'text:'"
        return f"{what}; indent it as far as the 'text:' of '{unit}'"
    return f"{what}; write '{unit}' as a mapping with 'text:' and indent '{name}:' as far as 'text:'"
