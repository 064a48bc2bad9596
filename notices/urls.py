from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("read/", views.notice_read, name="read"),
    path("read-all/", views.notice_read_all, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
]
