"""The API's endpoints as the URL conf declares them, for tests that must cover every one."""

from django.urls import URLPattern, URLResolver, get_resolver


def api_views():
    """[(URL name, view class, methods in upper case)] of every view under /api/v1/."""
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.lstrip("^").startswith("api/v1/"):
                callback = pattern.callback
                view = getattr(callback, "cls", None) or callback.view_class
                actions = getattr(callback, "actions", None)
                if actions is not None:
                    methods = {method.upper() for method in actions}
                else:
                    methods = {m.upper() for m in view.http_method_names if hasattr(view, m)}
                found.append((pattern.name, view, methods))

    walk(get_resolver().url_patterns, "")
    return found
