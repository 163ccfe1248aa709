"""The logs are read-only in the admin: who looked up what cannot be edited or removed there."""

from django.contrib import admin

from track.models import Lookup, LookupFailure, VisitLink


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LookupFailure)
class LookupFailureAdmin(ReadOnly):
    list_display = ["at", "address", "reference", "case", "limited"]
    list_filter = ["limited"]
    search_fields = ["reference", "address"]
    date_hierarchy = "at"


@admin.register(Lookup)
class LookupAdmin(ReadOnly):
    list_display = ["at", "case"]
    search_fields = ["case__reference"]
    date_hierarchy = "at"


@admin.register(VisitLink)
class VisitLinkAdmin(ReadOnly):
    list_display = ["case", "created_at", "expires_at", "used_at", "result", "channel"]
    list_filter = ["result", "channel"]
    search_fields = ["case__reference"]
    exclude = ["salt", "token_hash"]
