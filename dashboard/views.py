from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from dashboard.figures import dashboard_context


@login_required
def dashboard(request):
    return render(request, "dashboard/dashboard.html", dashboard_context())
