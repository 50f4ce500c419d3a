"""URLs of the indicators app, one module per feature (each owned by its views module)."""

from django.urls import include, path

urlpatterns = [
    path("", include("dxnet.indicators.urls_entry")),
    path("dashboard/", include("dxnet.indicators.urls_dashboard")),
    path("transfer/", include("dxnet.indicators.urls_transfer")),
    path("synthesis/", include("dxnet.indicators.urls_synthesis")),
    path("definitions/", include("dxnet.indicators.urls_definitions")),
]
