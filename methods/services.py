"""Every write to the handbook: create, edit, restore. Each save is one version (django-simple-history)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from accounts import roles
from cases.models import Category
from methods.models import Method

# Fields an admin edits on the method form; `categories` (many-to-many) is kept in each version too.
EDITABLE_FIELDS = [
    "number",
    "number_provisional",
    "name",
    "motto",
    "summary",
    "when_to_use",
    "steps",
    "example",
    "source",
    "categories",
    "is_active",
]
REASON_LENGTH = 100  # the length of simple-history's change-reason column


class MethodError(Exception):
    """A refused write, with a message meant for the person who tried it."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotPermitted(MethodError):
    pass


class StaleEdit(MethodError):
    pass


def _require_admin(actor) -> None:
    if not roles.is_method_admin(actor):
        raise NotPermitted(_("只有工作法管理员可以修改工作法汇编。"))


def latest_version_id(method: Method) -> int | None:
    """The id of the method's newest saved version; the edit form carries it to detect lost updates."""
    return method.history.order_by("-history_date", "-history_id").values_list("history_id", flat=True).first()


def _save(method: Method, *, actor, reason: str, categories=None) -> Method:
    try:
        method.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise MethodError(" ".join(messages), field=None if field == "__all__" else field) from None
    method._history_user = actor
    method._change_reason = reason.strip()[:REASON_LENGTH] or None
    try:
        with transaction.atomic():
            store_version(method, categories)
    except IntegrityError:
        # Two admins saving the same number or name at once: the unique constraint decides.
        raise MethodError(_("编号或名称已被其他工作法使用。"), field="number") from None
    return method


def store_version(method: Method, categories=None) -> None:
    """Save `method` as exactly one new version that includes its categories.

    simple-history writes a version on every save and on every change of a many-to-many set; setting the
    categories first, with history switched off, and saving afterwards makes one edit one version."""
    if categories is not None:
        if method.pk is None:
            method.save_without_historical_record()
        method.skip_history_when_saving = True
        try:
            method.categories.set(categories)
        finally:
            del method.skip_history_when_saving
    method.save()


def _apply(method: Method, data: dict):
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    for name, value in data.items():
        if name != "categories":
            setattr(method, name, value)
    return data.get("categories")


@transaction.atomic
def method_create(*, actor, data: dict, reason: str = "") -> Method:
    """Add a method to the handbook (its first version)."""
    _require_admin(actor)
    method = Method()
    categories = _apply(method, data)
    return _save(method, actor=actor, reason=reason or _("新增"), categories=categories)


@transaction.atomic
def method_update(*, method_id: int, actor, data: dict, expected_version: int | None, reason: str = "") -> Method:
    """Save an edit made on a form opened at version `expected_version`; refuse it if someone saved since."""
    _require_admin(actor)
    method = Method.objects.select_for_update(no_key=True).get(pk=method_id)
    if expected_version is not None and latest_version_id(method) != expected_version:
        raise StaleEdit(_("在您编辑期间，其他人已修改了该工作法。请查看修改记录后重新编辑。"))
    before = {name: getattr(method, name) for name in tracked_field_names()}
    categories = _apply(method, data)
    unchanged = before == {name: getattr(method, name) for name in tracked_field_names()}
    if unchanged and (categories is None or {c.pk for c in categories} == {c.pk for c in method.categories.all()}):
        return method  # saving nothing new would only add an empty version
    return _save(method, actor=actor, reason=reason, categories=categories)


@transaction.atomic
def method_restore(*, method_id: int, history_id: int, actor) -> Method:
    """Bring back the text and categories of an earlier version; the restore is saved as a new version."""
    _require_admin(actor)
    method = Method.objects.select_for_update(no_key=True).get(pk=method_id)
    try:
        version = method.history.get(history_id=history_id)
    except Method.history.model.DoesNotExist:
        raise MethodError(_("该版本不存在。")) from None
    for name in tracked_field_names():
        setattr(method, name, getattr(version, name))
    # A category deleted since then cannot come back.
    categories = Category.objects.filter(pk__in=[row.category_id for row in version.categories.all()])
    when = date_format(localtime(version.history_date), "Y-m-d H:i")
    return _save(method, actor=actor, reason=_("恢复到 %(when)s 的版本") % {"when": when}, categories=categories)


def tracked_field_names() -> list[str]:
    """The method's fields that each version keeps (everything but the id and the categories)."""
    return [field.name for field in Method._meta.concrete_fields if field.name != "id"]
