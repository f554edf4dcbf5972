"""The PDF documents, rendered with reportlab: functions from frozen content to bytes (pretix style).

- render_certificate(content): 保証証書（前払金保証）/ 保証証書（契約保証）, electronic or paper
- render_key_notice(content, key, base_url=None): 電子保証にかかる「認証キー」のお知らせ
- render_fee_statement(statement): 保証料計算書

They never query the database: the issuing service renders once and stores the bytes.
See docs/documents.md.
"""

from issuers.documents.certificate import render_certificate
from issuers.documents.fee_statement import render_fee_statement
from issuers.documents.key_notice import render_key_notice

__all__ = ["render_certificate", "render_fee_statement", "render_key_notice"]
