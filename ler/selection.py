"""What may leave the app: confirmed signals only, grouped per skill, quotes in or out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from passport.model import Artifact, Entry, PassportSnapshot, Signal
from passport.signals import SignalKind, SignalStatus

ESCO_FRAMEWORK = "ESCO (European Skills, Competences, Qualifications and Occupations)"


@dataclass(frozen=True, slots=True)
class Quote:
    """The person's own words backing a claim."""

    text: str
    created_at: datetime
    entry_id: int | None = None


@dataclass(frozen=True, slots=True)
class SkillClaim:
    """One confirmed skill with all its evidence (several signals may confirm the same skill)."""

    label: str
    esco_uri: str | None
    group: str | None
    quotes: tuple[Quote, ...]
    artifacts: tuple[Artifact, ...]
    first_seen: datetime
    last_seen: datetime
    entry_ids: tuple[int, ...]


def confirmed(snapshot: PassportSnapshot, kind: SignalKind | None = None) -> list[Signal]:
    """Confirmed signals of the person (of one kind if given), oldest first."""
    out = [
        s
        for s in snapshot.signals
        if s.status == SignalStatus.CONFIRMED
        and s.person_id == snapshot.person.id
        and (kind is None or s.kind == kind)
    ]
    return sorted(out, key=lambda s: (s.created_at, s.id))


def _artifacts_for(snapshot: PassportSnapshot, signals: list[Signal]) -> tuple[Artifact, ...]:
    ids = {s.artifact_id for s in signals if s.artifact_id is not None}
    entries = {s.entry_id for s in signals if s.entry_id is not None}
    picked = [
        a
        for a in snapshot.artifacts
        if a.sha256
        and a.status == "stored"
        and a.person_id == snapshot.person.id
        and (a.id in ids or (a.entry_id is not None and a.entry_id in entries))
    ]
    return tuple(sorted(picked, key=lambda a: a.id))


def skill_claims(snapshot: PassportSnapshot, include_quotes: bool = True) -> list[SkillClaim]:
    """Confirmed, self-asserted skills (not ones that came from an imported credential)."""
    groups: dict[str, list[Signal]] = {}
    for sig in confirmed(snapshot, SignalKind.SKILL):
        if sig.source == "credential":
            continue  # someone else's credential: never re-issued as a self-assertion
        key = sig.esco_uri or "label:" + sig.label.strip().casefold()
        groups.setdefault(key, []).append(sig)
    claims = []
    for sigs in groups.values():
        quotes: list[Quote] = []
        if include_quotes:
            seen: set[str] = set()
            for s in sigs:
                text = s.evidence.strip()
                if text and text not in seen:
                    seen.add(text)
                    quotes.append(Quote(text=text, created_at=s.created_at, entry_id=s.entry_id))
        head = sigs[-1]
        claims.append(
            SkillClaim(
                label=head.label,
                esco_uri=head.esco_uri,
                group=next((s.group for s in reversed(sigs) if s.group), None),
                quotes=tuple(quotes),
                artifacts=_artifacts_for(snapshot, sigs),
                first_seen=sigs[0].created_at,
                last_seen=sigs[-1].created_at,
                entry_ids=tuple(sorted({s.entry_id for s in sigs if s.entry_id is not None})),
            )
        )
    return sorted(claims, key=lambda c: c.label.casefold())


def entries_with_confirmed(snapshot: PassportSnapshot) -> list[tuple[Entry, list[Signal]]]:
    """Entries the person backed by confirming at least one signal in them, oldest first."""
    by_entry: dict[int, list[Signal]] = {}
    for sig in confirmed(snapshot):
        if sig.entry_id is not None:
            by_entry.setdefault(sig.entry_id, []).append(sig)
    out = [
        (e, by_entry[e.id])
        for e in snapshot.entries
        if e.id in by_entry and e.person_id == snapshot.person.id
    ]
    return sorted(out, key=lambda pair: (pair[0].created_at, pair[0].id))
