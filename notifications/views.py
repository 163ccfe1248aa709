"""The notification centre: the list, marking read, and the person's channel choices."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications import services
from notifications.forms import PreferencesForm
from notifications.models import Channel, Notification, Preferences


@require_GET
def notification_list(request):
    notifications = Notification.objects.filter(user=request.user).select_related("case", "warning")
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        notifications = notifications.unread()
    page = Paginator(notifications, 50).get_page(request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {"page": page, "unread_only": unread_only})


@require_POST
def notification_read(request, pk):
    try:
        notification = services.notification_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    if request.POST.get("open") == "1":
        if notification.case_id:
            return redirect("cases:detail", notification.case_id)
        if notification.warning_id:
            return redirect("alerts:detail", notification.warning_id)
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("notifications:list")


@require_POST
def notification_read_all(request):
    count = services.notifications_read_all(user=request.user)
    messages.success(request, _("已将 %(count)s 条消息标为已读。") % {"count": count})
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
def notification_settings(request):
    prefs = Preferences.objects.filter(user=request.user).first() or Preferences(user=request.user)
    form = PreferencesForm(request.POST if request.method == "POST" else None, prefs=prefs)
    if request.method == "POST" and form.is_valid():
        services.preferences_save(
            user=request.user, channels_by_kind=form.channels_by_kind(), digest=form.cleaned_data["digest"]
        )
        messages.success(request, _("通知设置已保存。"))
        return redirect("notifications:settings")
    context = {"form": form, "channels": Channel.choices, "has_email": bool(request.user.email)}
    return render(request, "notifications/notification_settings.html", context)
