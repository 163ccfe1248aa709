from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from methods.models import Method


@admin.register(Method)
class MethodAdmin(SimpleHistoryAdmin):
    list_display = ["number", "name", "motto", "is_active"]
    filter_horizontal = ["categories"]
