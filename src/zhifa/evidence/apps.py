from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "zhifa.evidence"
    label = "evidence"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Let ``zhifa ledger verify --blobs`` read every stored evidence file."""
        from zhifa.evidence.blobs import EvidenceBlobSource
        from zhifa.ledger.blobs import register_blob_source

        register_blob_source(EvidenceBlobSource())
