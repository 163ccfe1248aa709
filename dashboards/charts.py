"""Geometry of the server-rendered SVG charts. Templates only place what is computed here (whole pixels)."""

from django.utils.translation import gettext as _


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def bar_chart(items: list[dict], *, title: str, percent: bool = False, width: int = 440, label_width: int = 124):
    """Horizontal bars, one per item {label, value, url}; `percent` items hold rates between 0 and 1."""
    row, top = 30, 6
    value_room = 64
    peak = 1 if percent else max([item["value"] or 0 for item in items] + [1])
    area = width - label_width - value_room
    bars = []
    for index, item in enumerate(items):
        value = item["value"] or 0
        length = round(value / peak * area)
        y = top + index * row
        bars.append(
            {
                **item,
                "x": label_width,
                "y": y + 4,
                "w": max(length, 2 if value else 0),
                "h": row - 8,
                "text_y": y + row // 2 + 6,
                "value_x": label_width + max(length, 2) + 6,
                "display": _percent(item["value"]) if percent else str(value),
            }
        )
    return {
        "title": title,
        "width": width,
        "height": top * 2 + row * max(len(items), 1),
        "label_x": label_width - 8,
        "track_w": area,
        "bars": bars,
        "empty": not items,
    }


def column_chart(items: list[dict], *, title: str, width: int = 760, height: int = 240):
    """Vertical columns for a time series of {label, month, value, url}, oldest first."""
    left, bottom, top = 8, 40, 22
    slot = (width - left * 2) / max(len(items), 1)
    peak = max([item["value"] for item in items] + [1])
    plot = height - bottom - top
    columns = []
    for index, item in enumerate(items):
        length = round(item["value"] / peak * plot)
        x = round(left + index * slot + slot * 0.15)
        month = item["month"]
        columns.append(
            {
                **item,
                "x": x,
                "w": max(round(slot * 0.7), 2),
                "y": top + plot - length,
                "h": length,
                "center": round(left + index * slot + slot / 2),
                "value_y": top + plot - length - 5,
                "month_label": str(month.month),
                "year_label": _("%(year)s年") % {"year": month.year}
                if month.month == 1 or (index == 0 and month.month <= 10)
                else "",
            }
        )
    return {
        "title": title,
        "width": width,
        "height": height,
        "axis_y": top + plot,
        "month_y": top + plot + 15,
        "year_y": top + plot + 32,
        "columns": columns,
    }
