"""The upload of 電子証書の真正性確認 (D-Sure) and of Net Desk's same check: one form, kept in memory only.

The file never touches the disk (no temporary file, no storage): a memory-only upload handler reads at
most SEAL_CHECK_MAX_BYTES and stops the upload beyond that. What cannot be checked gets its own message.
"""

import io
from functools import wraps

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from seals.inspection import SealCheck, Unreadable, UnreadablePdf, check_seal

TOO_LARGE = "too_large"
MESSAGES = {
    "required": "確認する電子証書（PDFファイル）を選択してください。",
    TOO_LARGE: "ファイルが大きすぎます。{limit}MB以下のPDFファイルを選択してください。",
    Unreadable.NOT_PDF.value: "PDFファイルではありません。ダウンロードした電子証書（PDF）を選択してください。",
    Unreadable.ENCRYPTED.value: "パスワードで保護（暗号化）されたPDFは確認できません。",
    Unreadable.MALFORMED.value: "PDFファイルが壊れているため確認できません。ダウンロードし直してください。",
}


class MemoryOnlyUploadHandler(FileUploadHandler):
    """Keeps an uploaded file in memory up to `limit` bytes; a larger one stops the upload and is
    remembered as too large (the form then says so)."""

    def __init__(self, request=None, *, limit: int):
        super().__init__(request)
        self.limit = limit
        self.too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # Refuse a body that announces more than the limit allows, before reading any of it.
        self.too_large = content_length > self.limit + 64 * 1024

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        if self.too_large:
            raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.too_large = True
            raise StopUpload(connection_reset=False)
        self.buffer.write(raw_data)

    def file_complete(self, file_size):
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            self.buffer, self.field_name, self.file_name, self.content_type, file_size, self.charset
        )


def memory_only_upload(view):
    """Install the memory-only handler before anything reads the body (CSRF is checked after)."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.upload_handlers = [MemoryOnlyUploadHandler(request, limit=settings.SEAL_CHECK_MAX_BYTES)]
        return protected(request, *args, **kwargs)

    return wrapper


class SealCheckForm(forms.Form):
    document = forms.FileField(label="電子証書（PDF）", error_messages={"required": MESSAGES["required"]})

    def __init__(self, data=None, files=None, *, request=None):
        super().__init__(data, files)
        handlers = getattr(request, "upload_handlers", []) if request is not None else []
        self.too_large = any(getattr(handler, "too_large", False) for handler in handlers)
        self.result: SealCheck | None = None

    def clean_document(self):
        upload = self.cleaned_data["document"]
        try:
            self.result = check_seal(upload.read())
        except UnreadablePdf as error:
            raise forms.ValidationError(MESSAGES[error.reason.value]) from error
        finally:
            upload.close()
        return upload

    def clean(self):
        if self.too_large:  # the upload was stopped, so the field reads as empty: say why instead
            self.errors.pop("document", None)
            self.add_error(
                "document", MESSAGES[TOO_LARGE].format(limit=settings.SEAL_CHECK_MAX_BYTES // (1024 * 1024))
            )
        return super().clean()
