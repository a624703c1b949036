from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "zhifa.cases"
    verbose_name = "案件办理"

    def ready(self) -> None:
        from zhifa.cases import access, gates
        from zhifa.cases.services import notifications
        from zhifa.evidence.selectors import reader_scope_register
        from zhifa.notices.services import on_sent_register

        gates.install()
        # an item in a confidential case's file is read as the case is
        reader_scope_register(access.evidence_case_scope)
        on_sent_register(notifications.EMAIL_SOURCE, notifications.notice_emailed)
