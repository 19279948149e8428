"""Answer-quality test sets: loading (JSON Lines or CSV) and validation with line numbers.

The schema and the matching rules are documented in the README ("Evaluating"). Validation never
raises for bad content: it returns every :class:`Issue` it finds, so a user can fix a file in one go.

Decisions: a quote outside 40–200 characters is a *warning* (matching still works; short quotes can
match too much, long ones can straddle passages); ``--strict`` turns warnings into errors. An unknown
``type`` is a warning (the runner breaks metrics down by whatever types a set uses).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError
from pydantic_core import PydanticCustomError

from evals.documents import DocumentTexts, folded

KNOWN_TYPES = ("numeric", "list", "lookup", "section", "comparison", "paraphrase", "unanswerable")
FIELDS = ("id", "question", "answer", "must_include", "sources", "type", "answerable")
QUOTE_MIN_CHARS = 40
QUOTE_MAX_CHARS = 200

Severity = Literal["error", "warning"]


def _non_blank(text: str) -> str:
    if not text.strip():
        raise PydanticCustomError("empty_field", "blank text")
    return text


# A string with something in it besides whitespace (kept as written: matching normalises it later).
NonBlank = Annotated[StrictStr, AfterValidator(_non_blank)]


class GoldSource(BaseModel):
    """Gold evidence of an item: a quote of a document file (the file name as ingested)."""

    model_config = ConfigDict(frozen=True)

    document: NonBlank
    section: StrictStr = ""  # the nearest heading, for humans
    quote: NonBlank


class TestItem(BaseModel):
    """One row of a test set, as README's item schema has it. Fields the runner does not know are kept
    (``extra``); ``line`` is where the row starts in its file (1-based), set by the loader."""

    __test__ = False  # not a pytest test class, despite the name
    model_config = ConfigDict(frozen=True, extra="allow")

    id: NonBlank
    question: NonBlank
    answer: StrictStr
    must_include: tuple[NonBlank, ...]
    sources: tuple[GoldSource, ...]
    type: StrictStr
    answerable: StrictBool
    line: int = Field(default=0, exclude=True)

    @property
    def extra(self) -> Mapping[str, Any]:
        """The row's fields the schema does not name."""
        return dict(self.model_extra or {})


@dataclass(frozen=True)
class Issue:
    """A problem in a test set. ``code`` is stable; ``message`` is Vietnamese."""

    severity: Severity
    code: str
    message: str
    line: int | None = None
    item_id: str | None = None

    def render(self, file_name: str) -> str:
        where = f"{file_name}:{self.line}" if self.line is not None else file_name
        label = "lỗi" if self.severity == "error" else "cảnh báo"
        item = f" [{self.item_id}]" if self.item_id else ""
        return f"{where}:{item} {label} {self.code}: {self.message}"


@dataclass(frozen=True)
class TestSet:
    __test__ = False  # not a pytest test class, despite the name

    path: Path
    sha256: str
    items: tuple[TestItem, ...]
    issues: tuple[Issue, ...]

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "warning")

    def is_valid(self, *, strict: bool = False) -> bool:
        return not self.errors and not (strict and self.warnings)


def _read_rows(path: Path, raw: bytes) -> tuple[list[tuple[int, Any]], list[Issue]]:
    """(line, decoded row) pairs: dicts for good rows, anything else for rows that are not objects."""
    issues: list[Issue] = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return [], [Issue("error", "not_utf8", f"Tệp không phải UTF-8 (byte {error.start}).")]
    rows: list[tuple[int, Any]] = []
    if path.suffix.lower() == ".csv":
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(reader)
        except StopIteration:
            return [], [Issue("error", "empty_file", "Tệp trống.")]
        header = [h.strip() for h in header]
        previous_end = reader.line_num
        for cells in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                issues.append(
                    Issue(
                        "error",
                        "csv_columns",
                        f"Dòng có {len(cells)} cột, tiêu đề có {len(header)} cột.",
                        line=line,
                    )
                )
                continue
            known_issues = len(issues)
            row = {
                name: _csv_cell(name, cell, line, issues) for name, cell in zip(header, cells, strict=True)
            }
            if len(issues) == known_issues:  # a row with an unreadable cell is reported once, not re-checked
                rows.append((line, row))
        return rows, issues
    for number, line_text in enumerate(text.splitlines(), start=1):
        if not line_text.strip():
            continue
        try:
            rows.append((number, json.loads(line_text)))
        except json.JSONDecodeError as error:
            issues.append(Issue("error", "invalid_json", f"JSON không hợp lệ: {error.msg}.", line=number))
    if not rows and not issues:
        issues.append(Issue("error", "empty_file", "Tệp không có câu hỏi nào."))
    return rows, issues


def _csv_cell(name: str, cell: str, line: int, issues: list[Issue]) -> Any:
    """CSV cells are strings; list/object columns hold JSON, ``answerable`` holds true/false."""
    if name in ("must_include", "sources"):
        if not cell.strip():
            return []
        try:
            return json.loads(cell)
        except json.JSONDecodeError as error:
            issues.append(
                Issue("error", "invalid_json", f"Cột '{name}' phải là JSON: {error.msg}.", line=line)
            )
            return []
    if name == "answerable":
        lowered = cell.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        return cell  # reported as a wrong type by the schema check
    return cell


# What a value of the wrong type in each field should have been.
_WRONG_TYPE = {
    "id": "Trường 'id' phải là chuỗi.",
    "question": "Trường 'question' phải là chuỗi.",
    "answer": "Trường 'answer' phải là chuỗi.",
    "type": "Trường 'type' phải là chuỗi.",
    "answerable": "Trường 'answerable' phải là true hoặc false.",
    "must_include": "Trường 'must_include' phải là danh sách chuỗi không rỗng.",
    "sources": "Trường 'sources' phải là danh sách đối tượng.",
}
_SOURCE_FIELDS = ("document", "quote", "section")
_FIELD_ORDER = {"answerable": 2, "must_include": 3, "sources": 4}  # after the texts' (0) and empties' (1)


def _schema_problems(error: ValidationError) -> list[tuple[str, str]]:
    """(code, Vietnamese message) of a row the model rejects: the missing fields alone when some are
    missing, else one problem per field (one per gold source, naming its bad fields)."""
    errors = error.errors()
    missing = {e["loc"][0] for e in errors if e["type"] == "missing" and len(e["loc"]) == 1}
    if missing:
        return [("missing_field", "Thiếu trường: " + ", ".join(f for f in FIELDS if f in missing) + ".")]
    # Ordered as the file's reader fixes them: wrong text types, empty texts, then the other fields.
    problems: dict[tuple[str, str], int] = {}
    bad_source_fields: dict[int, set[str]] = {}
    for e in errors:
        name, *inside = e["loc"]
        if name == "sources" and inside:
            index = int(inside[0]) + 1
            if len(inside) == 1:
                problems["wrong_type", f"Nguồn {index} phải là đối tượng."] = 4
            else:
                bad_source_fields.setdefault(index, set()).add(str(inside[1]))
        elif e["type"] == "empty_field" and not inside:
            problems["empty_field", f"Trường '{name}' không được để trống."] = 1
        else:
            problems["wrong_type", _WRONG_TYPE[str(name)]] = _FIELD_ORDER.get(str(name), 0)
    for index, bad in sorted(bad_source_fields.items()):
        names = ", ".join(f for f in _SOURCE_FIELDS if f in bad)
        problems["wrong_type", f"Nguồn {index}: '{names}' phải là chuỗi không rỗng."] = 4
    return sorted(problems, key=problems.__getitem__)


def _content_problems(item: TestItem) -> list[tuple[Severity, str, str]]:
    """What is wrong or doubtful in a well-formed item: (severity, code, Vietnamese message)."""
    problems: list[tuple[Severity, str, str]] = []
    if item.type not in KNOWN_TYPES:
        problems.append(
            ("warning", "unknown_type", f"Loại '{item.type}' không thuộc {', '.join(KNOWN_TYPES)}.")
        )
    if (item.type == "unanswerable") == item.answerable:
        message = "Loại 'unanswerable' phải đi với answerable = false và ngược lại."
        problems.append(("error", "answerable_mismatch", message))
    if item.answerable and not item.sources:
        problems.append(("error", "no_sources", "Câu hỏi có đáp án phải có ít nhất một nguồn (sources)."))
    if item.answerable and not item.must_include:
        message = "Câu hỏi có đáp án nhưng không có must_include: không chấm được ý chính."
        problems.append(("warning", "no_facts", message))
    if not item.answerable and (item.sources or item.must_include):
        problems.append(
            ("warning", "unused_gold", "Câu hỏi không có đáp án: sources và must_include bị bỏ qua.")
        )
    for index, source in enumerate(item.sources, start=1):
        length = len(unicodedata.normalize("NFC", source.quote))
        if not QUOTE_MIN_CHARS <= length <= QUOTE_MAX_CHARS:
            message = (
                f"Trích dẫn của nguồn {index} dài {length} ký tự (nên {QUOTE_MIN_CHARS}–{QUOTE_MAX_CHARS})."
            )
            problems.append(("warning", "quote_length", message))
    answer_folded = folded(item.answer)
    for fact in item.must_include:
        if folded(fact) not in answer_folded:
            problems.append(("warning", "fact_not_in_answer", f"Ý chính '{fact}' không có trong đáp án mẫu."))
    texts = [item.question, item.answer, *item.must_include, *(s.quote for s in item.sources)]
    if any(unicodedata.normalize("NFC", t) != t for t in texts):
        message = "Văn bản chưa chuẩn hoá NFC (vẫn so khớp được sau chuẩn hoá)."
        problems.append(("warning", "not_nfc", message))
    return problems


def _check_item(line: int, row: Mapping[str, Any], issues: list[Issue]) -> TestItem | None:
    """The row as an item (None when the schema rejects it), its problems added to ``issues``."""
    item_id = row.get("id") if isinstance(row.get("id"), str) else None
    try:
        item = TestItem.model_validate({**row, "line": line})
    except ValidationError as error:
        issues += [Issue("error", code, message, line, item_id) for code, message in _schema_problems(error)]
        return None
    issues += [
        Issue(severity, code, message, line, item.id) for severity, code, message in _content_problems(item)
    ]
    return item


def load_testset(path: Path) -> TestSet:
    """Read and check a test set (.jsonl, or .csv with the same columns). Raises OSError only."""
    raw = path.read_bytes()
    rows, issues = _read_rows(path, raw)
    items: list[TestItem] = []
    first_line: dict[str, int] = {}
    for line, row in rows:
        if not isinstance(row, dict):
            issues.append(Issue("error", "not_an_object", "Mỗi dòng phải là một đối tượng JSON.", line=line))
            continue
        item = _check_item(line, row, issues)
        if item is None:
            continue
        if item.id in first_line:
            issues.append(
                Issue(
                    "error",
                    "duplicate_id",
                    f"Mã '{item.id}' bị trùng (đã có ở dòng {first_line[item.id]}).",
                    line=line,
                    item_id=item.id,
                )
            )
            continue
        first_line[item.id] = line
        items.append(item)
    issues.sort(key=lambda i: i.line or 0)
    return TestSet(
        path=path, sha256=hashlib.sha256(raw).hexdigest(), items=tuple(items), issues=tuple(issues)
    )


def check_quotes(testset: TestSet, documents: DocumentTexts) -> list[Issue]:
    """Every gold quote must occur in its document (after folding; a quote may start or end inside a
    word, see :meth:`evals.documents.FoldedText.find_quote`)."""
    issues: list[Issue] = []
    for item in testset.items:
        for index, source in enumerate(item.sources, start=1):
            reason = documents.error(source.document)
            if reason == "missing":
                message = f"Nguồn {index}: không có tệp '{source.document}' trong thư mục văn bản."
                issues.append(Issue("error", "document_not_found", message, line=item.line, item_id=item.id))
            elif reason is not None:
                message = f"Nguồn {index}: không đọc được tệp '{source.document}' ({reason})."
                issues.append(Issue("error", "document_unreadable", message, line=item.line, item_id=item.id))
            elif not documents.quote_spans(source.document, source.quote):
                message = f"Nguồn {index}: trích dẫn không có trong '{source.document}'."
                issues.append(Issue("error", "quote_not_found", message, line=item.line, item_id=item.id))
    return issues


def validate_testset(path: Path, corpus: Path | None = None) -> TestSet:
    """:func:`load_testset`, plus the quote check when a corpus folder is given."""
    testset = load_testset(path)
    if corpus is None:
        return testset
    quote_issues = check_quotes(testset, DocumentTexts(corpus))
    issues = sorted([*testset.issues, *quote_issues], key=lambda i: i.line or 0)
    return TestSet(path=testset.path, sha256=testset.sha256, items=testset.items, issues=tuple(issues))
