"""What a PDF viewer copies out of the documents: the 認証キー and the 保証契約番号 exactly, with the
diagonal 見本 / SPECIMEN watermark drawn as shapes, kept out of the text layer (`pdftotext -layout`)."""

import re
import shutil
import subprocess

import pytest

from issuers.documents import render_certificate, render_key_notice
from tests.issuers.test_documents import KEY, content

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


def layout_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_the_key_and_the_number_copy_out_of_the_key_notice_exactly():
    text = layout_text(render_key_notice(content(), KEY, base_url="https://esurety.example"))
    after_colon = [line.split("：", 1)[1].strip() for line in text.splitlines() if "：" in line]
    assert KEY in after_colon
    assert "20108-00001K" in after_colon
    (key_line,) = [line for line in text.splitlines() if KEY in line]
    assert re.fullmatch(rf"\s*(認\s*証\s*キ\s*ー\s*)?：?\s*{KEY}\s*", key_line), key_line


@pytest.mark.parametrize(
    "pdf",
    [
        lambda: render_key_notice(content(), KEY, base_url=""),
        lambda: render_certificate(content()),
    ],
    ids=["key notice", "certificate"],
)
def test_the_diagonal_watermark_is_not_text(pdf):
    text = layout_text(pdf())
    # What is left of 見本 / SPECIMEN is the stamp at the top left (two lines) and the footer's note.
    assert text.count("SPECIMEN") == 2
    assert not re.search(r"^\s*[SPECIMN見本](\s|$)", text, flags=re.M)
