from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.urls.resolvers import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("xueshi.core.urls")),
    path("accounts/", include("xueshi.accounts.urls")),
    path("orgs/", include("xueshi.orgs.urls")),
    path("policy/", include("xueshi.policy.urls")),
    path("declarations/", include("xueshi.review.urls_declarations")),
    path("review/", include("xueshi.review.urls")),
    path("notifications/", include("xueshi.notifications.urls")),
    path("ledger/", include("xueshi.ledger.urls")),
    path("imports/", include("xueshi.imports.urls")),
    path("reports/", include("xueshi.reports.urls")),
    path("captcha/", include("captcha.urls")),
    path("django-admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
