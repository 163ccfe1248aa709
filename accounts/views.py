from django.db.models import Count
from django.shortcuts import render

from accounts import roles
from places.models import Neighbourhood


def home(request):
    neighbourhoods = Neighbourhood.objects.annotate(estate_count=Count("estates"))
    own = roles.committee_neighbourhood_id(request.user)
    if roles.is_committee_member(request.user):
        neighbourhoods = neighbourhoods.filter(pk=own)
    return render(request, "accounts/home.html", {"neighbourhoods": neighbourhoods})
