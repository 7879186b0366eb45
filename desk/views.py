from axes.helpers import get_cool_off
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a login while locked out (AXES_LOCKOUT_CALLABLE): the login page
    again, status 429, saying why and for how long."""
    cool_off = get_cool_off(request)
    context = {
        "form": AuthenticationForm(request),
        "locked_out": True,
        "cooloff_minutes": round(cool_off.total_seconds() / 60) if cool_off else None,
        "next": request.POST.get("next", "") or request.GET.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)
