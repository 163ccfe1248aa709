from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cases import hooks
from cases.models import (
    Case,
    CaseEvent,
    Category,
    Channel,
    Department,
    ExtensionRequest,
    Holiday,
    PersonalDataAccess,
    RequestType,
    Team,
)
from cases.personal import mask_phone, mask_text, visible_changes


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "handling_days", "is_complex", "is_active", "sort_order"]
    list_filter = ["parent", "is_active"]
    search_fields = ["name"]


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort_order", "is_active"]


@admin.register(RequestType)
class RequestTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_order"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_order", "is_active"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "leader", "is_active"]
    filter_horizontal = ["members"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "is_workday"]


class CaseEventInline(admin.TabularInline):
    """The timeline is read-only everywhere, the admin included."""

    model = CaseEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "kind", "action", "actor", "from_status", "to_status", "masked_note", "masked"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("说明"))
    def masked_note(self, event):
        return mask_text(event.note)

    @admin.display(description=_("字段变更"))
    def masked(self, event):
        """The changes as the case page shows them to staff: phones masked (the admin is no side door)."""
        return "; ".join(
            f"{c.get('label')}: {c.get('old')} → {c.get('new')}"
            for c in visible_changes(event.changes, can_see_reporter=True)
        )


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """For superusers' repairs; staff work cases through the case desk, where every move is logged."""

    list_display = ["reference", "title", "status", "neighbourhood", "category", "received_at"]
    list_filter = ["status", "neighbourhood", "category__parent"]
    search_fields = ["reference", "title"]
    readonly_fields = ["reference", "status", "version", "masked_phone", "masked_description"]
    # The resident's phone and words are shown masked here too: the full number only through the case page's
    # recorded reveal; the case desk's edit form, which puts masked numbers back on save, edits the words.
    exclude = ["reporter_phone", "description"]
    inlines = [CaseEventInline]

    @admin.display(description=_("联系电话"))
    def masked_phone(self, case):
        return mask_phone(case.reporter_phone)

    @admin.display(description=_("诉求内容"))
    def masked_description(self, case):
        return mask_text(case.description)

    raw_id_fields = ["estate", "building", "assignee", "method"]

    def save_model(self, request, obj, form, change):
        # A repair here passes by the services: the listeners (the dashboards' roll-ups) still hear of it.
        before = hooks.facts(Case.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        hooks.cases_written([(before, hooks.facts(obj))])


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(admin.ModelAdmin):
    list_display = ["case", "days", "status", "requested_at", "decided_at"]
    readonly_fields = ["case", "requested_by", "requested_at", "days", "reason", "decided_by", "decided_at"]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    """Who revealed which resident's phone number, and when. Read-only: an audit log."""

    list_display = ["at", "user", "case", "field"]
    list_filter = ["field"]
    search_fields = ["user__username", "case__reference"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
