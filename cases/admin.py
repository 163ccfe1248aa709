from django.contrib import admin

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
    readonly_fields = ["created_at", "kind", "action", "actor", "from_status", "to_status", "note", "changes"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """For superusers' repairs; staff work cases through the case desk, where every move is logged."""

    list_display = ["reference", "title", "status", "neighbourhood", "category", "received_at"]
    list_filter = ["status", "neighbourhood", "category__parent"]
    search_fields = ["reference", "title"]
    readonly_fields = ["reference", "status", "version"]
    inlines = [CaseEventInline]
    raw_id_fields = ["estate", "building", "assignee", "method"]


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
