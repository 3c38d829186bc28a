"""The admin's login page, behind the same sign-in throttle as `auth/token/`."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from school.throttling import client_address, sign_in_attempt


@never_cache
@csrf_protect
def throttled_admin_login(request, extra_context=None):
    """Django's admin login; a POST past the sign-in limit is 429 with Retry-After, and its
    password is never checked."""
    if request.method == "POST":
        wait = sign_in_attempt(client=client_address(request), username=request.POST.get("username"))
        if wait is not None:
            context = {
                **admin.site.each_context(request),
                "title": "Too many sign-in attempts",
                "wait": int(wait),
            }
            response = TemplateResponse(request, "admin/too_many_sign_ins.html", context, status=429)
            response["Retry-After"] = str(int(wait))
            return response
    return admin.site.login(request, extra_context)
