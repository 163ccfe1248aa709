from django.contrib import admin

from alerts.models import MonthlyTopic, Warning


@admin.register(Warning)
class WarningAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "title", "neighbourhood", "acknowledged_at"]
    list_filter = ["kind", "neighbourhood"]
    search_fields = ["title"]
    raw_id_fields = ["cases", "matter_class", "estate", "acknowledged_by"]
    readonly_fields = ["subject"]


@admin.register(MonthlyTopic)
class MonthlyTopicAdmin(admin.ModelAdmin):
    list_display = ["month", "warning", "chosen_by"]
    raw_id_fields = ["warning", "chosen_by"]
