"""Where a person's conversation stands, as a frozen value that is replaced, never changed.

`Person.state` used to be a plain dict that handlers updated in place, so a `Person` declared
frozen still changed under whoever held it. Now every change makes a new `ConversationState`
(`replace`, `asking`) and the holder swaps the whole `Person`. Reading stays as before: it is a
read-only mapping (`state.get("awaiting")`), with typed properties for the parts the rhythm and
the router rely on. Nested values are frozen too (dicts read-only, lists as tuples), so nothing
reached through it can be changed either. `to_json()` gives the plain dict that storage seals.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn


class FrozenDict(dict[str, Any]):
    """A dict that refuses changes: JSON-serialisable and readable like any dict."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("conversation state is replaced, never changed in place")

    __setitem__ = _refuse
    __delitem__ = _refuse
    __ior__ = _refuse  # type: ignore[assignment]
    clear = _refuse
    pop = _refuse
    popitem = _refuse
    setdefault = _refuse
    update = _refuse

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items(), key=lambda kv: kv[0])))

    def __reduce__(self) -> tuple[Any, ...]:
        # copy and pickle rebuild through the constructor, never item by item.
        return (FrozenDict, (dict(self),))


def freeze(value: Any) -> Any:
    """A JSON-like value with every dict read-only and every list a tuple."""
    if isinstance(value, Mapping):
        frozen = FrozenDict()
        dict.update(frozen, {str(k): freeze(v) for k, v in value.items()})
        return frozen
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """The plain JSON value (dicts and lists) of a frozen one."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [thaw(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class PromptOnScreen:
    """The weekly question a reply now answers, and the ISO week it was asked for."""

    id: str | None
    week: str | None = None


@dataclass(frozen=True, slots=True, eq=False)
class ConversationState(Mapping[str, Any]):
    """A person's conversation state: read like a mapping, changed only by making a new one."""

    data: FrozenDict = field(default_factory=FrozenDict)

    @classmethod
    def of(cls, raw: Mapping[str, Any] | None) -> ConversationState:
        """The state for a stored (or any) mapping; None or empty gives the empty state."""
        if isinstance(raw, ConversationState):
            return raw
        return cls(freeze(raw or {}))

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"ConversationState({dict(self.data)!r})"

    def replace(self, **changes: Any) -> ConversationState:
        """A new state with `changes` merged in; a value of None removes that key."""
        merged = dict(self.data)
        for key, value in changes.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        return ConversationState.of(merged)

    def asking(self, prompt_id: str, week: str) -> ConversationState:
        """A new week's question on screen: it is what a reply now answers, not a follow-up."""
        return self.replace(prompt={"id": prompt_id, "week": week}, followup=None)

    def to_json(self) -> dict[str, Any]:
        """The plain dict to store."""
        return thaw(self.data)

    # -- typed views of the parts others rely on ---------------------------------------------

    @property
    def prompt(self) -> PromptOnScreen | None:
        """The weekly question on screen, if any."""
        raw = self.data.get("prompt")
        if not isinstance(raw, Mapping):
            return None
        return PromptOnScreen(raw.get("id"), raw.get("week"))

    @property
    def awaiting(self) -> str | None:
        """What the next message is expected to be ("zone", "goal", "forget"), if anything."""
        value = self.data.get("awaiting")
        return str(value) if value else None

    @property
    def step(self) -> str | None:
        """The onboarding step the person is at, while they set up."""
        value = self.data.get("step")
        return str(value) if value else None
