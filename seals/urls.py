from django.urls import path

from seals import views

urlpatterns = [
    path("trust/", views.trust, name="trust"),
    path("trust/root.pem", views.root_pem, name="trust_root_pem"),
    # Where certomancer's CRL distribution point (seals/pki.py) says the root's CRL is.
    path("trust/esurety-demo/crls/root/latest.crl", views.root_crl, name="trust_root_crl"),
]
