from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "zhifa.notices"
    label = "notices"
    verbose_name = "通知发送"
