"""seals.inspection.check_seal on hostile input: any bytes give an answer or UnreadablePdf, never an
exception a page would turn into a 500."""

from hypothesis import given, settings
from hypothesis import strategies as st

from seals.inspection import SealState, UnreadablePdf, check_seal


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_after_a_pdf_header_give_an_answer(tail):
    try:
        check = check_seal(b"%PDF-1.7\n" + tail)
    except UnreadablePdf:
        return
    assert check.state in SealState


def test_a_pdf_without_a_signature_reads_unsealed():
    from issuers.documents import render_fee_statement
    from issuers.documents.samples import sample_fee_statement

    assert check_seal(render_fee_statement(sample_fee_statement())).state == SealState.UNSEALED
