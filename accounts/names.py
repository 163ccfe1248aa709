import re

_CJK = re.compile(r"[\u3400-\u9fff]")


def display_name(user) -> str:
    """A person's name as colleagues write it: 王敏 (family name first, no space) for Chinese names,
    "Min Wang" otherwise; the user name when no name is recorded."""
    first, last = user.first_name.strip(), user.last_name.strip()
    if not (first or last):
        return user.username
    if _CJK.search(first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()
