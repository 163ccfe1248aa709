from django.contrib import admin

from notifications.models import Delivery, Notification, Preferences, UnitContact


@admin.register(UnitContact)
class UnitContactAdmin(admin.ModelAdmin):
    list_display = ["department", "user"]
    list_filter = ["department"]
    raw_id_fields = ["user"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "user__username"]
    raw_id_fields = ["user", "case", "warning"]
    readonly_fields = ["key"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "notification", "channel", "status", "attempts", "sent_at"]
    list_filter = ["channel", "status"]
    raw_id_fields = ["notification"]


@admin.register(Preferences)
class PreferencesAdmin(admin.ModelAdmin):
    list_display = ["user", "digest", "last_digest_at"]
    raw_id_fields = ["user"]
