from notifications.models import Notification


def bell(request):
    """The unread count for the bell in the header: one COUNT through a partial index, only when it is shown."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": lambda: Notification.objects.filter(user=user, read_at__isnull=True).count()}
