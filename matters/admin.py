from django.contrib import admin

from matters.models import CaseLink, MatterClass, Membership, RouteStep


class RouteStepInline(admin.TabularInline):
    model = RouteStep
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["case"]


@admin.register(MatterClass)
class MatterClassAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "category", "target_count", "target_year"]
    list_filter = ["status"]
    search_fields = ["title", "root_problem"]
    inlines = [RouteStepInline, MembershipInline]


@admin.register(CaseLink)
class CaseLinkAdmin(admin.ModelAdmin):
    list_display = ["case_a", "case_b", "kind", "score", "status"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["case_a", "case_b", "decided_by"]
