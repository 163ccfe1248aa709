"""The duration bins of the roll-ups' median: to a week in steps of six hours, then ever wider.

A median read from bins is an estimate (the page says so): the bin that holds the middle case is exact, and
within it the cases are taken as spread evenly."""

# Edges in days: bin 0 holds durations below 0 (clock errors), bin i the durations in [EDGES[i-1], EDGES[i]),
# the last bin everything from two years on.
EDGES = [index / 4 for index in range(29)] + [8, 9, 10, 12, 14, 17, 20, 25, 30, 40, 50, 60, 75, 90, 120, 150, 180]
EDGES += [270, 365, 730]
BIN_COUNT = len(EDGES) + 1
DAY = 86400.0


def bin_of(seconds: float) -> int:
    """The bin of a duration in seconds."""
    days = seconds / DAY
    low, high = 0, len(EDGES)
    while low < high:  # the number of edges not above `days`
        middle = (low + high) // 2
        if EDGES[middle] <= days:
            low = middle + 1
        else:
            high = middle
    return low


def median_seconds(counts: list[int]) -> float | None:
    """The median duration in seconds estimated from bin counts; None without any.

    The f cases of a bin [low, high) are taken at low + (j - 0.5) / f * (high - low), j = 1 … f; the median is
    the middle one of all, or the mean of the two middle ones, as for a median of single durations."""
    total = sum(counts)
    if not total:
        return None
    return (_value_at(counts, (total + 1) // 2) + _value_at(counts, total // 2 + 1)) / 2 * DAY


def _value_at(counts: list[int], rank: int) -> float:
    """The estimated duration in days of the case of `rank` (1-based) in duration order."""
    seen = 0
    for index, count in enumerate(counts):
        if seen + count >= rank:
            if index == 0:
                return EDGES[0]
            if index == len(EDGES):
                return EDGES[-1]
            low, high = EDGES[index - 1], EDGES[index]
            return low + (high - low) * (rank - seen - 0.5) / count
        seen += count
    raise ValueError(rank)
