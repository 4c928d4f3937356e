"""PDF/A-1b checked on the file (conformance.formats.pdfa): each realistic defect is found with its
ISO 19005-1 clause and place, the reference PDFs pass, hostile files get a reason, and Apache PDFBox
Preflight (when installed) agrees on every case."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from conformance.formats import pdfa, preflight
from conformance.formats.pdfa import check_pdfa, pdfa_report
from conformance.formats.pdfa_findings import pdfa_findings
from conformance.model import Verdict
from tests.mutations.pdf import PDF_DEFECTS, copy_pdf, edit, ordonnance

CLAUSES = {
    "pdf-javascript-open": "6.6.1",
    "pdf-launch-open": "6.6.1",
    "pdf-document-javascript": "6.6.1",
    "pdf-page-additional-action": "6.6.2",
    "pdf-encrypted": "6.1.3",
    "pdf-font-not-embedded": "6.3.4",
    "pdf-font-wrong-widths": "6.3.6",
    "pdf-icc-v4": "6.2.2",
    "pdf-rgb-without-intent": "6.2.3.3",
    "pdf-transparency-group": "6.4",
    "pdf-watermark-opacity": "6.4",
    "pdf-declares-pdfa-2": "6.7.11",
    "pdf-undeclared": "6.7.11",
    "pdf-info-mismatch": "6.7.3",
    "pdf-embedded-file": "6.1.11",
    "pdf-compressed-xmp": "6.7.2",
}


def test_reference_pdfs_conform() -> None:
    for data in (copy_pdf(), ordonnance()):
        report = check_pdfa(data)
        assert report.conforms and report.declares_pdfa1, report.problems


@pytest.mark.requirements("MSS-DOC-03", "DMP-C05", "EP-28")
@pytest.mark.parametrize("name", [name for name, _, _ in PDF_DEFECTS])
def test_each_defect_is_found_with_its_clause(name: str) -> None:
    fn = next(f for n, f, _ in PDF_DEFECTS if n == name)
    report = check_pdfa(edit(copy_pdf(), fn))
    assert report.refused is None
    assert CLAUSES[name] in {p.clause for p in report.problems}, report.problems
    assert all(p.location for p in report.problems)


def test_javascript_open_action_is_located() -> None:
    report = check_pdfa(edit(copy_pdf(), dict((n, f) for n, f, _ in PDF_DEFECTS)["pdf-javascript-open"]))
    assert [(p.clause, p.location) for p in report.problems] == [("6.6.1", "Root/OpenAction")]
    assert "JavaScript" in report.problems[0].text.en and "JavaScript" in report.problems[0].text.fr


def test_open_action_to_a_page_is_allowed() -> None:
    """PDF/A-1 forbids action types, not OpenAction: fpdf2's /OpenAction [page /FitH] is a destination."""
    from pypdf import PdfReader

    root = PdfReader(io.BytesIO(copy_pdf())).trailer["/Root"].get_object()
    assert isinstance(root["/OpenAction"], ArrayObject)
    assert check_pdfa(copy_pdf()).conforms


def test_interpolated_image_on_the_ordonnance() -> None:
    from tests.mutations.pdf import _interpolate

    report = check_pdfa(edit(ordonnance(), _interpolate))
    assert [p.clause for p in report.problems] == ["6.2.4"]


def test_info_dates_compared_as_instants() -> None:
    def same_date(w: PdfWriter) -> None:
        w.add_metadata({"/CreationDate": "D:20261120093000Z", "/ModDate": "D:20261120103000+01'00'"})

    def other_date(w: PdfWriter) -> None:
        w.add_metadata({"/CreationDate": "D:20261121093000Z"})

    assert check_pdfa(edit(copy_pdf(), same_date)).problems == []
    assert "Info/CreationDate" in {p.location for p in check_pdfa(edit(copy_pdf(), other_date)).problems}


@pytest.mark.parametrize(
    "data,reason",
    [
        (b"not a pdf at all", "no %PDF- header"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<", "cannot be read"),
        (b"%PDF-1.4\n" + b"[" * 200_000, "cannot be read"),
    ],
)
def test_hostile_files_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    report = check_pdfa(data)
    assert report.refused is not None and reason in report.refused.en
    (finding,) = pdfa_findings(report, "MSS-DOC-03", "x.pdf")
    assert finding.verdict is Verdict.FAIL and finding.location == "x.pdf"


def test_oversized_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdfa, "MAX_PDF_BYTES", 1000)
    assert "limit" in (check_pdfa(copy_pdf()).refused or pdfa.T.text("absent")).en


def test_object_budget_makes_the_check_partial(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdfa, "MAX_OBJECTS", 5)
    report = check_pdfa(copy_pdf())
    assert report.incomplete is not None
    verdicts = {f.verdict for f in pdfa_findings(report, "EP-28", "PDF")}
    assert Verdict.WARN in verdicts


def test_garbage_font_program_is_a_problem_not_a_crash() -> None:
    def garbage(w: PdfWriter) -> None:
        fonts = w.pages[0]["/Resources"]["/Font"]
        cid = fonts[sorted(fonts.keys())[0]].get_object()["/DescendantFonts"][0].get_object()
        cid["/FontDescriptor"].get_object()["/FontFile2"].get_object().set_data(b"\x00\x01" * 64)

    report = check_pdfa(edit(copy_pdf(), garbage))
    assert [(p.clause, "cannot be read" in p.text.en) for p in report.problems] == [("6.3.4", True)]


def test_garbage_icc_profile() -> None:
    def garbage(w: PdfWriter) -> None:
        intent = w._root_object["/OutputIntents"][0].get_object()  # noqa: SLF001
        intent["/DestOutputProfile"].get_object().set_data(b"not an icc profile")

    report = check_pdfa(edit(copy_pdf(), garbage))
    assert [p.clause for p in report.problems] == ["6.2.2"] and "acsp" in report.problems[0].text.en


def test_named_action_for_page_navigation_is_allowed() -> None:
    def next_page(w: PdfWriter) -> None:
        act = DictionaryObject({NameObject("/S"): NameObject("/Named"), NameObject("/N"): NameObject("/NextPage")})
        w._root_object[NameObject("/OpenAction")] = w._add_object(act)  # noqa: SLF001

    assert check_pdfa(edit(copy_pdf(), next_page)).conforms


def test_javascript_key_without_an_action_type() -> None:
    def js(w: PdfWriter) -> None:
        w.pages[0][NameObject("/X")] = DictionaryObject({NameObject("/JS"): TextStringObject("1+1")})

    assert [p.clause for p in check_pdfa(edit(copy_pdf(), js)).problems] == ["6.6.1"]


def test_findings_speak_both_languages() -> None:
    report = check_pdfa(edit(copy_pdf(), dict((n, f) for n, f, _ in PDF_DEFECTS)["pdf-icc-v4"]))
    (f,) = pdfa_findings(report, "MSS-DOC-03", "part 2 copie.pdf")
    assert f.location == "part 2 copie.pdf > Root/OutputIntents[0]/DestOutputProfile"
    assert "§6.2.2" in f.message_en and "§6.2.2" in f.message_fr and "version 4" in f.message_fr
    (ok,) = pdfa_findings(check_pdfa(copy_pdf()), "MSS-DOC-03", "copie.pdf")
    assert ok.verdict is Verdict.PASS and "PDF/A-1b" in ok.message_fr


# -- the external validator ------------------------------------------------------------------------

REPORT_INVALID = b"""junk before <?xml version="1.0" encoding="UTF-8" standalone="no"?>
<preflight name="document.pdf"><isValid type="PDF/A1-b">false</isValid>
<errors count="2">
<error count="1"><code>2.1.6</code><details>Invalid graphics object, Invalid version of the ICCProfile</details></error>
<error count="1"><code>6.2.5</code><details>Action is forbidden, The action JavaScript is forbidden</details></error>
</errors></preflight>"""


def test_preflight_report_parsed() -> None:
    v = preflight.parse_report("Preflight", REPORT_INVALID)
    assert v.valid is False and [c for c, _ in v.errors] == ["2.1.6", "6.2.5"]
    assert "JavaScript" in v.summary()
    ok = preflight.parse_report("Preflight", b'<preflight><isValid type="PDF/A1-b">true</isValid></preflight>')
    assert ok.valid is True and not ok.errors


@pytest.mark.parametrize(
    "stdout",
    [b"", b"Exception in thread main", b"<preflight><isValid>maybe</isValid></preflight>", b"<?xml <<<"],
)
def test_preflight_that_cannot_judge_never_passes(stdout: bytes) -> None:
    v = preflight.parse_report("Preflight", stdout, b"java.lang.NoClassDefFoundError")
    assert v.valid is None and v.failure
    report = check_pdfa(copy_pdf())
    report.external = v
    verdicts = [f.verdict for f in pdfa_findings(report, "MSS-DOC-03", "x.pdf")]
    assert verdicts == [Verdict.PASS, Verdict.WARN]


def test_missing_preflight_is_a_usage_error(tmp_path: object) -> None:
    with pytest.raises(preflight.PreflightUnavailable, match="no such folder"):
        preflight.find("/nonexistent/folder")
    with pytest.raises(preflight.PreflightUnavailable, match="libpdfbox2-java"):
        preflight.find(str(tmp_path))


@pytest.fixture
def active_preflight() -> object:
    try:
        preflight.configure("preflight")
    except preflight.PreflightUnavailable as exc:
        pytest.skip(f"Apache PDFBox Preflight is not installed: {exc}")
    yield preflight.active()
    preflight.configure(None)


@pytest.mark.requirements("MSS-DOC-03")
def test_preflight_verdict_is_recorded(active_preflight: object) -> None:
    bad = edit(copy_pdf(), dict((n, f) for n, f, _ in PDF_DEFECTS)["pdf-javascript-open"])
    findings = pdfa_findings(pdfa_report(bad), "MSS-DOC-03", "x.pdf")
    external = [f for f in findings if "Preflight" in f.message_en]
    assert len(external) == 1 and external[0].verdict is Verdict.FAIL and "JavaScript" in external[0].message_en
    good = pdfa_findings(pdfa_report(copy_pdf()), "MSS-DOC-03", "x.pdf")
    assert [f.verdict for f in good] == [Verdict.PASS, Verdict.PASS]


def test_preflight_agrees_on_every_defect(active_preflight: preflight.Preflight) -> None:
    """Each single-defect copy the harness fails, Preflight fails too; the control passes both."""
    assert active_preflight.validate(copy_pdf()).valid is True
    for name, fn, _ in PDF_DEFECTS:
        verdict = active_preflight.validate(edit(copy_pdf(), fn))
        assert verdict.valid is False, (name, verdict)
