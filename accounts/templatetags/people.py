from django import template

from accounts.names import display_name as _display_name

register = template.Library()


@register.filter
def display_name(user) -> str:
    return _display_name(user) if user else ""


@register.filter
def role_label(group) -> str:
    """A role group's name in the active language (the group's name is the Chinese role name)."""
    from accounts.roles import ROLE_LABELS

    return str(ROLE_LABELS.get(group.name, group.name))
