"""JSON of the notification centre (session or token auth; a person sees only their own notifications)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from api.views import READ_ERRORS
from notifications import services
from notifications.models import Notification

# The newest this many; the centre's page lists the rest.
API_LIMIT = 200


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "case", "title", "created_at", "read"]


@extend_schema(responses={200: NotificationSerializer(many=True), **READ_ERRORS})
@api_view(["GET"])
def notification_list(request):
    """The caller's notifications, newest first (at most 200); `?unread=1` for the unread ones only."""
    notifications = Notification.objects.filter(user=request.user)
    if request.query_params.get("unread") == "1":
        notifications = notifications.unread()
    return Response(NotificationSerializer(notifications[:API_LIMIT], many=True).data)


@extend_schema(request=None, responses={200: NotificationSerializer, **READ_ERRORS})
@api_view(["POST"])
def notification_read(request, pk: str):
    """Mark one of the caller's notifications read."""
    if not (pk.isascii() and pk.isdigit() and int(pk) < 2**63):
        raise Http404
    try:
        notification = services.notification_read(user=request.user, notification_id=int(pk))
    except Notification.DoesNotExist:
        raise Http404 from None
    return Response(NotificationSerializer(notification).data)
