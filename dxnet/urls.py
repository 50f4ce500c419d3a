from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from dxnet.api import api
from dxnet.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("account/", include("dxnet.core.urls")),
    path("units/", include("dxnet.network.urls")),
    path("reporting/", include("dxnet.indicators.urls")),
    path("plans/", include("dxnet.plans.urls")),
    path("recommendations/", include("dxnet.recommendations.urls")),
    path("notifications/", include("dxnet.notifications.urls")),
    path("documents/", include("dxnet.documents.urls")),
    path("assistant/", include("dxnet.assistant.urls")),
    path("api/", api.urls),
    path("django-admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "dxnet.core.views.not_found"
