"""URLs of the plans app, one module per feature (each owned by its views module)."""

from django.urls import include, path

urlpatterns = [
    path("", include("dxnet.plans.urls_core")),
    path("import/", include("dxnet.plans.urls_import")),
    path("urging/", include("dxnet.plans.urls_urging")),
]
