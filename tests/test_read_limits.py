"""Every document is read within a budget (issue 23 item 1): each bomb of the
issue's table, built small in tmp_path, is refused with one line naming the
limit, while reading, and a corpus moves it to its quarantine folder."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from indexer.loaders import load_corpus, load_document
from indexer.loaders.corpus import quarantine_dir
from indexer.loaders.limits import LIMITS, LimitExceededError, ReadLimits
from probes.bombs import docx_bomb, huge_image, huge_page_pdf, many_frames_tiff, ofd_bomb
from tests.test_formats import SCAN_LINES, write_scan

GOOD = "关于促进海洋经济发展的若干措施\n一、总体要求\n（一）到2025年，海洋生产总值达到5000亿元。\n"


def refused(path: Path, limit: str, limits: ReadLimits = LIMITS) -> str:
    with pytest.raises(LimitExceededError) as info:
        load_document(path, path.parent, limits)
    message = str(info.value)
    assert info.value.limit == limit and limit in message and path.name in message and "\n" not in message
    return message


def test_a_docx_inflating_to_hundreds_of_megabytes_is_refused_before_it_is_inflated(tmp_path):
    bomb = docx_bomb(tmp_path / "bomb.docx", megabytes=300)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    assert "解压后的总大小超过上限 256 MB" in refused(bomb, "max_zip_bytes")
    # Within the total but packed 1000:1 in one member.
    small = docx_bomb(tmp_path / "ratio.docx", megabytes=20)
    refused(small, "max_zip_ratio")


def test_an_ofd_naming_one_content_many_times_is_refused_while_reading(tmp_path):
    many_pages = ofd_bomb(tmp_path / "pages.ofd", pages=5_000, content_kb=1)
    refused(many_pages, "max_pages")
    # Fewer pages than the page limit, but each reads the same 1 MB part again.
    repeated = ofd_bomb(tmp_path / "repeat.ofd", pages=300, content_kb=1, padding_kb=1024)
    assert repeated.stat().st_size < 1024 * 1024
    refused(repeated, "max_zip_bytes")
    # The same file reads when the limits allow it (scaled: 3 pages).
    ofd_bomb(tmp_path / "fine.ofd", pages=3, content_kb=2)
    assert "政策条款" in load_document(tmp_path / "fine.ofd", tmp_path).text


def test_pages_and_images_are_measured_before_they_are_rendered(tmp_path):
    pdf = huge_page_pdf(tmp_path / "huge_page.pdf", pixels=23_000)
    assert pdf.stat().st_size < 1024
    refused(pdf, "max_pixels")
    refused(huge_image(tmp_path / "huge.png", side=13_000), "max_pixels")
    refused(huge_image(tmp_path / "huge.jpg", side=13_000), "max_pixels")
    refused(many_frames_tiff(tmp_path / "frames.tif", frames=2_001), "max_pages")
    # Counted up to the limit only: Pillow's n_frames over 100,000 frames took minutes.
    assert "（2,001）" in refused(many_frames_tiff(tmp_path / "many.tif", frames=100_000), "max_pages")
    refused(many_frames_tiff(tmp_path / "scan.tif", frames=30), "max_ocr_pages", dataclasses.replace(LIMITS, max_ocr_pages=20))


def test_characters_per_document_are_limited(tmp_path):
    (tmp_path / "long.txt").write_text(GOOD * 200, encoding="utf-8")
    small = dataclasses.replace(LIMITS, max_chars=5_000)
    refused(tmp_path / "long.txt", "max_chars", small)
    big = docx_bomb(tmp_path / "long.docx", megabytes=0.5)  # 170,000 characters
    refused(big, "max_chars", small)


def test_memory_and_time_limits_hold_whatever_the_parser_does(tmp_path):
    # Zip checks raised out of the way: python-docx's XML parser meets the child's RLIMIT_AS.
    bomb = docx_bomb(tmp_path / "bomb.docx", megabytes=120)
    roomy = dataclasses.replace(LIMITS, max_zip_bytes=2 * 1024**3, max_zip_ratio=1e9, max_chars=10**9, max_memory_bytes=600 * 1024**2)
    refused(bomb, "max_memory_bytes", roomy)
    # Recognising a scan takes longer than a 0.2 s budget: the child is killed; the next read works.
    scan = tmp_path / "scan.pdf"
    write_scan(scan, SCAN_LINES)
    refused(scan, "max_seconds", dataclasses.replace(LIMITS, max_seconds=0.2))
    assert load_document(scan, tmp_path).ocr_pages == (1,)


def test_a_corpus_quarantines_what_is_over_a_limit_and_indexes_the_rest(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD, encoding="utf-8")
    docx_bomb(corpus / "bomb.docx", megabytes=300)
    (corpus / "sub").mkdir()
    huge_page_pdf(corpus / "sub" / "page.pdf")
    (corpus / "broken.docx").write_bytes(b"not a zip")
    documents, skipped = load_corpus(corpus)
    assert [d.doc_id for d in documents] == ["good"]
    lines = {line.split(": ", 1)[0]: line for line in skipped}
    assert "max_zip_bytes" in lines["bomb.docx"] and "corpus.quarantine/bomb.docx" in lines["bomb.docx"]
    assert "max_pixels" in lines["sub/page.pdf"] and "corpus.quarantine/sub/page.pdf" in lines["sub/page.pdf"]
    assert "已损坏" in lines["broken.docx"] and "已移到" not in lines["broken.docx"]  # unreadable, not costly: stays
    assert sorted(p.relative_to(quarantine_dir(corpus)).as_posix() for p in quarantine_dir(corpus).rglob("*.*")) == [
        "bomb.docx", "sub/page.pdf"
    ]
    assert not (corpus / "bomb.docx").exists()
    # The next run (a restart) never reads them again.
    _, skipped_again = load_corpus(corpus)
    assert [line.split(": ", 1)[0] for line in skipped_again] == ["broken.docx"]


def test_limits_are_validated():
    with pytest.raises(ValueError, match="max_pages"):
        ReadLimits(max_pages=0)


def test_bombs_uploaded_to_a_running_server_are_refused_quarantined_and_survive_a_kill(plan_corpus, plan_index, tmp_path):
    """Reduced form of `policyqa reliability --only bombs`: two bombs through the
    admin's upload path of `policyqa serve` (upload route, then the upload
    event), the server killed with SIGKILL during the first one's second upload
    and started again. No timings are asserted: the probe reports them."""
    import shutil

    from probes.bomb_probe import bomb_probe
    from probes.reliability import Workspace

    shutil.copytree(plan_corpus, tmp_path / "corpus")
    shutil.copytree(plan_index, tmp_path / "index")
    space = Workspace(tmp_path, tmp_path / "corpus", tmp_path / "index", tmp_path / "data")
    figures = bomb_probe(space, scale="quick")
    rows = {row["row"]: row for row in figures["bombs"]}
    assert {row["limit"] for row in rows.values()} == {"max_zip_bytes", "max_pixels"}
    for row in rows.values():
        assert row["refused"] and row["quarantined"] and not row["in_corpus"], row
        assert row["message"].startswith("上传被拒绝") and "已移到 corpus.quarantine/" in row["message"]
    killed = rows["docx inflating to 300 MB"]
    assert killed["restart_serves_s"] is not None and killed["staging_left"] == []
    assert killed["processes_left_after_kill"] == 0
    assert {"bomb.docx", "huge_page.pdf"} <= {p.name for p in quarantine_dir(space.corpus).iterdir()}
    assert figures["questions_meanwhile"] >= 1 and set(figures["question_statuses"]) == {"200"}
    assert figures["server_errors"] == 0 and figures["tracebacks_logged"] == 0
