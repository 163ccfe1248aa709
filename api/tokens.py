"""Service accounts (users that cannot sign in, with a role) and their API tokens; staff only."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from accounts import roles
from accounts.models import Profile
from places.models import Neighbourhood

User = get_user_model()
ROLE_CHOICES = [
    (roles.COMMITTEE, gettext_lazy("居委会（只能访问本居民区）")),
    (roles.STAFF, gettext_lazy("街道工作人员")),
]


def _require_staff(request) -> None:
    if not roles.is_staff_member(request.user):
        raise PermissionDenied


def service_account_queryset():
    """The service accounts made on this page: users that cannot sign in and act for another system."""
    accounts = User.objects.filter(
        profile__is_service_account=True, password__startswith="!", is_superuser=False
    ).select_related("profile__neighbourhood")
    return accounts.prefetch_related("groups").order_by("username")


def _service_account(user_id: int):
    return get_object_or_404(service_account_queryset(), pk=user_id)


class ServiceAccountForm(forms.Form):
    username = forms.RegexField(
        label=gettext_lazy("账号名"),
        regex=r"^[a-z0-9_.-]{3,40}$",
        error_messages={"invalid": gettext_lazy("请使用 3–40 位小写字母、数字、点、下划线或连字符。")},
    )
    system = forms.CharField(label=gettext_lazy("对接系统"), max_length=150)
    role = forms.ChoiceField(label=gettext_lazy("角色"), choices=ROLE_CHOICES)
    neighbourhood = forms.ModelChoiceField(
        label=gettext_lazy("居民区"), queryset=Neighbourhood.objects.all(), required=False
    )

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError(_("该账号名已被使用。"))
        return username

    def clean(self):
        data = super().clean()
        if data.get("role") == roles.COMMITTEE and not data.get("neighbourhood"):
            self.add_error("neighbourhood", _("居委会角色的服务账号必须指定居民区。"))
        return data


@transaction.atomic
def service_account_register(*, username: str, system: str, role: str, neighbourhood) -> User:
    """Make a user that has a role but no usable password."""
    user = User(username=username, last_name=system)
    user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    Profile.objects.create(
        user=user, neighbourhood=neighbourhood if role == roles.COMMITTEE else None, is_service_account=True
    )
    return user


def service_accounts(request):
    _require_staff(request)
    accounts = service_account_queryset()
    tokens = {token.user_id: token for token in Token.objects.filter(user__in=accounts)}
    rows = [(account, tokens.get(account.pk)) for account in accounts]
    return render(request, "api/service_accounts.html", {"rows": rows, "form": ServiceAccountForm()})


@require_POST
def service_account_create(request):
    _require_staff(request)
    form = ServiceAccountForm(request.POST)
    if not form.is_valid():
        accounts = service_account_queryset()
        tokens = {token.user_id: token for token in Token.objects.filter(user__in=accounts)}
        rows = [(account, tokens.get(account.pk)) for account in accounts]
        return render(request, "api/service_accounts.html", {"rows": rows, "form": form}, status=400)
    account = service_account_register(**form.cleaned_data)
    messages.success(request, _("已创建服务账号“%(name)s”。") % {"name": account.username})
    return redirect("api:service_accounts")


@never_cache
@require_POST
def token_issue(request, user_id: int):
    """Issue a new token (replacing the old one). The key is shown once, on this answer only."""
    _require_staff(request)
    account = _service_account(user_id)
    with transaction.atomic():
        Token.objects.filter(user=account).delete()
        token = Token.objects.create(user=account)
    return render(request, "api/token_issued.html", {"account": account, "token": token})


@require_POST
def token_revoke(request, user_id: int):
    _require_staff(request)
    account = _service_account(user_id)
    Token.objects.filter(user=account).delete()
    messages.success(request, _("已吊销服务账号“%(name)s”的令牌。") % {"name": account.username})
    return redirect("api:service_accounts")
