"""Named hooks through which apps that come after `cases` take part in its work, without `cases` importing
them (apps depend one way: places → accounts → cases → …). An app registers in its AppConfig.ready()."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PersonalDataHolder:
    holds: Callable  # holds(case) -> bool: the app keeps personal data of this case's resident
    erase: Callable  # erase(case=, actor=) -> str: removes it; returns a phrase for the timeline note ("" if none)


_personal_data: list[PersonalDataHolder] = []


def register_personal_data(*, holds: Callable, erase: Callable) -> None:
    """Let anonymising a case (ops.privacy) find and remove personal data that another app keeps."""
    holder = PersonalDataHolder(holds, erase)
    if holder not in _personal_data:
        _personal_data.append(holder)


def holds_personal_data(case) -> bool:
    return any(holder.holds(case) for holder in _personal_data)


def erase_personal_data(*, case, actor) -> list[str]:
    """Remove what every registered app keeps of the case's resident; the phrases of what was removed."""
    return [phrase for holder in _personal_data if (phrase := holder.erase(case=case, actor=actor))]


_media_links: list[Callable] = []


def register_media_links(keep: Callable) -> None:
    """keep(links=[(case_id, url)], actor=) keeps the media_url of imported rows (a link, never fetched)."""
    if keep not in _media_links:
        _media_links.append(keep)


def keep_media_links(*, links: list[tuple[int, str]], actor) -> None:
    if links:
        for keep in _media_links:
            keep(links=links, actor=actor)
