"""``kb extract`` and ``kb eval`` from the command line, on real fixture files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kb.cli.app import app
from kb.extract.files import MEASUREMENT_KEYS, POPULATION_KEYS, STUDY_KEYS, TOP_KEYS
from kb.records.models import Measurement
from kb.sources.plaintext import NO_PMID
from tests.conftest import DATA, SEED_PAGE

runner = CliRunner()
SEED_TXT = DATA / "gold" / "31002989.txt"
# The measurement keys shared/EXTRACTION.md shows, in its order ("code" is optional there).
CONTRACT_MEASUREMENT = (
    "kind endpoint code statistic numerator denominator percent value unit ci "
    "timepoint grade subgroup arm evidence"
).split()


def extract_lines(path: Path, *args: str) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["extract", str(path), *args])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines and all(line.strip() for line in lines)
    return [json.loads(line) for line in lines]  # each line alone is a JSON object: JSON Lines


def check_contract(obj: dict[str, Any]) -> None:
    assert list(obj)[: len(TOP_KEYS)] == list(TOP_KEYS)
    assert list(obj["study"])[:2] == list(STUDY_KEYS)
    assert list(obj["population"])[:3] == list(POPULATION_KEYS)
    for i in obj["interventions"]:
        assert "class" in i and "drug_class" not in i  # the alias is the public name
    for m in obj["measurements"]:
        assert list(m)[: len(CONTRACT_MEASUREMENT)] == CONTRACT_MEASUREMENT
        assert m["kind"] in ("outcome", "safety")
        ev = m["evidence"]
        assert list(ev) == ["start", "end", "text"]
        assert obj["abstract"][ev["start"] : ev["end"]] == ev["text"]
        for key in ("numerator", "denominator", "percent", "value"):
            assert m[key] is None or isinstance(m[key], int | float)
        Measurement.model_validate(m)  # and every field, own ones included, is a valid record field


def test_contract_key_order_is_the_documented_one() -> None:
    assert list(MEASUREMENT_KEYS) == CONTRACT_MEASUREMENT


def test_txt_pmid_from_file_name(tmp_path: Path) -> None:
    path = tmp_path / "pubmed-31002989.txt"
    path.write_text(SEED_TXT.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # final newline dropped
    [obj] = extract_lines(path)
    assert obj["pmid"] == "31002989"
    assert obj["abstract"] == SEED_TXT.read_text(encoding="utf-8")
    check_contract(obj)
    assert obj["measurements"], "the seed abstract has measurements"


def test_txt_without_digits_has_null_pmid(tmp_path: Path) -> None:
    path = tmp_path / "abstract.txt"
    shutil.copy(SEED_TXT, path)
    [obj] = extract_lines(path)
    assert obj["pmid"] is None and obj["pmid"] != NO_PMID
    check_contract(obj)
    # the same text under a PMID name gives the same measurements
    named = tmp_path / "31002989.txt"
    shutil.copy(SEED_TXT, named)
    assert extract_lines(named)[0]["measurements"] == obj["measurements"]


def test_empty_txt_is_an_article_without_measurements(tmp_path: Path) -> None:
    path = tmp_path / "123.txt"
    path.write_text("\n", encoding="utf-8")
    [obj] = extract_lines(path)
    assert obj["pmid"] == "123" and obj["abstract"] == "" and obj["measurements"] == []


def test_saved_page_gives_its_article_not_the_citing_stubs() -> None:
    [obj] = extract_lines(SEED_PAGE, "--format", "json")
    assert obj["pmid"] == "31002989"
    assert obj["abstract"] == SEED_TXT.read_text(encoding="utf-8")
    check_contract(obj)


@pytest.mark.parametrize(
    ("path", "pmids"),
    [
        ("pubmed/ncbiutils/pubmed.xml", ["35196497", "33278872", "24792780", "30158200", "151222"]),
        ("pubmed/ncbiutils/pubmed22n1115.xml.gz", None),
        ("pubmed/biopython/pubmed_result2.txt", ["16403221", "16377612", "14871861", "14630660"]),
    ],
)
def test_xml_and_medline_give_one_line_per_article(path: str, pmids: list[str] | None) -> None:
    objs = extract_lines(DATA / path)
    if pmids is not None:
        assert [o["pmid"] for o in objs] == pmids
    for obj in objs:
        check_contract(obj)


def test_xml_and_medline_of_the_same_record_agree() -> None:
    xml = {o["pmid"]: o for o in extract_lines(DATA / "pubmed/ncbiutils/pubmed.xml")}
    medline = {o["pmid"]: o for o in extract_lines(DATA / "pubmed/ncbiutils/medlines.txt")}
    assert xml["24792780"]["abstract"].split() == medline["24792780"]["abstract"].split()


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", str(tmp_path / "nope.txt")])
    assert result.exit_code == 1
    assert "nope.txt" in result.output and "not found" in result.output


def test_undecodable_text_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"first line\nsecond \xff line\n")
    result = runner.invoke(app, ["extract", str(path)])
    assert result.exit_code == 1 and "bad.txt:2" in result.output


def test_eval_scores_kb_extract_output(tmp_path: Path) -> None:
    # `kb eval GOLD PRED` on `kb extract` output equals `kb eval GOLD` running the extractor itself.
    gold = tmp_path / "gold"
    gold.mkdir()
    for suffix in (".json", ".txt"):
        shutil.copy(SEED_TXT.with_suffix(suffix), gold / f"31002989{suffix}")
    pred = tmp_path / "pred.jsonl"
    pred.write_text(runner.invoke(app, ["extract", str(SEED_PAGE)]).stdout, encoding="utf-8")
    by_pred = runner.invoke(app, ["eval", str(gold), str(pred), "--format", "json"])
    direct = runner.invoke(app, ["eval", str(gold), "--format", "json"])
    assert by_pred.exit_code == direct.exit_code == 0
    assert json.loads(by_pred.stdout) == json.loads(direct.stdout)
    micro = json.loads(direct.stdout)["micro"]
    items = json.loads(SEED_TXT.with_suffix(".json").read_text(encoding="utf-8"))["measurements"]
    assert micro["required"] == sum(1 for i in items if not i.get("optional")) and micro["predictions"] > 0
    table = runner.invoke(app, ["eval", str(gold)])
    assert table.exit_code == 0 and "micro-average" in table.stdout


def test_eval_bad_gold_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", str(tmp_path)])
    assert result.exit_code == 1 and "no gold files" in result.output
