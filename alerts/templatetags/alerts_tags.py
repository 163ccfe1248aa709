from django import template

from alerts import selectors

register = template.Library()


@register.inclusion_tag("alerts/_recent.html", takes_context=True)
def recent_warnings(context, neighbourhood=None, limit: int = 5) -> dict:
    """The newest unacknowledged warnings the viewer may see (of one neighbourhood, if given), for a dashboard."""
    warnings = selectors.warnings_for(context["request"].user, unacknowledged=True)
    if neighbourhood is not None:
        warnings = warnings.filter(neighbourhood=neighbourhood)
    shown = list(warnings[:limit])
    return {"warnings": shown, "total": warnings.count() if len(shown) == limit else len(shown)}
