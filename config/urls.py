from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.urls.resolvers import URLPattern, URLResolver

from xueshi.api import urls as api_urls
from xueshi.core.health import health
from xueshi.portal import urls_policy
from xueshi.units import urls as units_urls

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("xueshi.portal.urls")),
    # Load balancer and monitoring: database, cache, storage, worker (JSON, 200 or 503).
    path("health/", health, name="health"),
    path("accounts/", include("xueshi.accounts.urls")),
    # The organisation pages live in the units app (above accounts); names stay orgs:….
    path("orgs/", include((units_urls.urlpatterns, "orgs"))),
    # The profile page lives in portal (it reads the active role); names stay policy:….
    path("policy/", include((urls_policy.urlpatterns, "policy"))),
    path("declarations/", include("xueshi.review.urls_declarations")),
    path("review/", include("xueshi.review.urls")),
    path("notifications/", include("xueshi.notifications.urls")),
    path("ledger/", include("xueshi.ledger.urls")),
    path("plans/", include("xueshi.plans.urls")),
    path("applications/", include("xueshi.applications.urls")),
    path("imports/", include("xueshi.imports.urls")),
    path("reports/", include("xueshi.reports.urls")),
    path("supplements/", include("xueshi.supplements.urls")),
    path("sample-audits/", include("xueshi.sample_audits.urls")),
    path("transfers/", include("xueshi.transfers.urls")),
    path("oversight/", include("xueshi.oversight.urls")),
    path("recognition/", include("xueshi.recognition.urls")),
    path("", include("xueshi.certificates.urls")),
    path("captcha/", include("captcha.urls")),
    path("api/", include(api_urls.api_urlpatterns)),
    path("integrations/", include("xueshi.api.urls")),
    path("notices/", include("xueshi.notices.urls")),
    path("django-admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
