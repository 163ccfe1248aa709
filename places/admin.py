from django.contrib import admin

from places.models import Building, Estate, Neighbourhood


class EstateInline(admin.TabularInline):
    model = Estate
    extra = 0
    fields = ["name", "housing_type", "year_built", "property_status"]
    show_change_link = True


class BuildingInline(admin.TabularInline):
    model = Building
    extra = 0


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "sort_order"]
    search_fields = ["name"]
    inlines = [EstateInline]


@admin.register(Estate)
class EstateAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "neighbourhood",
        "housing_type",
        "year_built",
        "property_status",
        "property_company",
        "latitude",
        "longitude",
    ]
    list_filter = ["neighbourhood", "housing_type", "property_status"]
    search_fields = ["name", "address"]
    inlines = [BuildingInline]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "floors", "elevator_count", "elevators_installed_year", "latitude", "longitude"]
    list_filter = ["estate__neighbourhood", "estate__housing_type"]
    search_fields = ["estate__name", "number"]
