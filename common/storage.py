"""Where issued PDFs are kept: write once, never overwritten, never deleted by the application.

Local files by default (MEDIA_ROOT); an S3-compatible object store when S3_BUCKET is set
(django-storages, docs/operations.md). A name that is taken gets a new one (Django's
get_available_name; for S3 that needs file_overwrite=False, set in settings), and delete() refuses.
"""

from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage


class StoredDocumentDeletion(Exception):
    """Issued documents are records: the application never deletes one."""


class _WriteOnce:
    def delete(self, name):
        raise StoredDocumentDeletion(f"stored documents are never deleted ({name})")


class WriteOnceFileSystemStorage(_WriteOnce, FileSystemStorage):
    pass


class WriteOnceS3Storage(_WriteOnce, S3Storage):
    pass
