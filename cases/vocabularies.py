"""The choices of the list's filters and the case actions' dropdowns, built once per process and reused while
the rows they are made of are unchanged.

Each filter dropdown (categories, places, channels, methods, teams, departments, the people a case can be
assigned to) costs a query and a model per option; the case list shows eleven of them. On PostgreSQL one
query per request reads a fingerprint of the visible row versions of those tables — the physical address and
the inserting transaction of each (ctid, xmin). An insert or update, committed by any process, adds a version
with a transaction id never seen before, and a delete removes one, so the fingerprint changes and every
cached list is rebuilt.
Nothing is invalidated by signals, so bulk updates, the admin, imports, another web process or raw SQL
cannot leave a stale list behind. Only fields given a key by `mark` are cached; the key names the form, the
field and whatever else its queryset depends on (a committee member's places are narrowed to their
neighbourhood: `selectors.place_scope`). On SQLite (the embedded default) nothing is cached.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connections
from django.utils.translation import get_language

from cases.models import Category, Channel, Department, RequestType, Team
from methods.models import Method
from places.models import Building, Estate, Neighbourhood


def _tables() -> list[str]:
    user = get_user_model()
    models = [Category, Channel, Department, RequestType, Team, Method, Neighbourhood, Estate, Building, Group]
    return sorted({m._meta.db_table for m in models} | {user._meta.db_table, user.groups.through._meta.db_table})


TABLES = _tables()
TABLE_SET = set(TABLES)
FINGERPRINT_SQL = "SELECT md5(string_agg(v, ',' ORDER BY v)) FROM ({}) AS versions".format(
    " UNION ALL ".join(f"SELECT '{table}' || ctid::text || xmin::text AS v FROM {table}" for table in TABLES)
)
REQUEST_ATTRIBUTE = "_vocabulary_fingerprint"

# (fingerprint, {key: choices}), replaced as a whole when the fingerprint changes.
_cache: tuple[str | None, dict] = (None, {})


def fingerprint(request, using: str) -> str | None:
    """A digest of every row version of the vocabulary tables, read once per request; None where unsupported."""
    if request is None or connections[using].vendor != "postgresql":
        return None
    known = getattr(request, REQUEST_ATTRIBUTE, None)
    if known is None or known[0] != using:
        with connections[using].cursor() as cursor:
            cursor.execute(FINGERPRINT_SQL)
            known = (using, cursor.fetchone()[0])
        setattr(request, REQUEST_ATTRIBUTE, known)
    return known[1]


def mark(form_field, *key) -> None:
    """Let the choices of `form_field` be reused; `key` must name everything its queryset depends on."""
    form_field.vocabulary_key = key


def _cacheable(queryset) -> bool:
    query = queryset.query
    tables = {query.model._meta.db_table} | {join.table_name for join in query.alias_map.values()}
    return tables <= TABLE_SET


def _entries(current: str) -> dict:
    """The cached entries made from the rows of fingerprint `current` (a new, empty set when the rows changed)."""
    global _cache
    known, entries = _cache
    if known != current:
        entries = {}
        _cache = (current, entries)
    return entries


def model_choices(request, form_field, build) -> list:
    """`build()` (the choices of a ModelChoiceField), or the same list built earlier from identical rows."""
    key = getattr(form_field, "vocabulary_key", None)
    queryset = form_field.queryset
    current = fingerprint(request, queryset.db) if key is not None and _cacheable(queryset) else None
    if current is None:
        return build()
    key = (queryset.db, *key, form_field.empty_label, get_language())
    entries = _entries(current)
    choices = entries.get(key)
    if choices is None:
        choices = entries[key] = build()
    return choices


def attach(request, cases: list, fields: list[str]) -> None:
    """Give each of `cases` its `fields` (foreign keys to vocabulary tables: team, channel…) without a query
    per field: the rows come from the same cache as the dropdowns, while the fingerprint is unchanged (shared
    objects: read them, never write to them).
    Elsewhere (SQLite, a table that is not a vocabulary) they are prefetched as usual."""
    from django.db.models import prefetch_related_objects

    if not cases:
        return
    model = type(cases[0])
    current = fingerprint(request, cases[0]._state.db or "default")
    rest = []
    for name in fields:
        field = model._meta.get_field(name)
        target = field.related_model
        if current is None or target._meta.db_table not in TABLE_SET:
            rest.append(name)
            continue
        entries = _entries(current)
        key = ("rows", target._meta.label)
        rows = entries.get(key)
        if rows is None:
            rows = entries[key] = target._base_manager.using(cases[0]._state.db).in_bulk()
        for case in cases:
            value = getattr(case, field.attname)
            field.set_cached_value(case, rows.get(value) if value is not None else None)
    if rest:
        prefetch_related_objects(cases, *rest)


def _all_vocabularies(model, tree: dict) -> bool:
    for name, below in tree.items():
        target = model._meta.get_field(name).related_model
        if target._meta.db_table not in TABLE_SET or not _all_vocabularies(target, below):
            return False
    return True


def _serves(request, model, tree, using: str) -> bool:
    """Whether the cache can give rows of `model` the related rows of `tree` (a select_related tree:
    {"category": {"parent": {}}, "estate": {}}): on PostgreSQL, when every table of the tree is a vocabulary."""
    return isinstance(tree, dict) and fingerprint(request, using) is not None and _all_vocabularies(model, tree)


def join_unless_served(request, queryset, tree):
    """`queryset` joining the related rows of `tree`, unless the cache serves them: then its rows are read alone
    and `attach_related` gives them those rows (a seven-table join cost more to plan than to run)."""
    if _serves(request, queryset.model, tree, queryset.db):
        return queryset
    queryset = queryset.all()
    queryset.query.select_related = tree
    return queryset


def attach_related(request, rows: list, tree) -> None:
    """Give `rows`, read by a join_unless_served queryset, the related rows of `tree` from the cache; nothing to
    do where the query joined them. The attached rows are shared by every request of this process until the
    fingerprint changes: read them, never write to them."""
    if not rows or not _serves(request, type(rows[0]), tree, rows[0]._state.db or "default"):
        return
    for name, below in tree.items():
        attach(request, rows, [name])
        if below:
            related = {id(row): row for row in (getattr(obj, name) for obj in rows) if row is not None}
            attach_related(request, list(related.values()), below)
