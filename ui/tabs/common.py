"""What the tabs share: the role check of every handler, the filter controls, and how a tab tells the page
frame which of its components show the store or depend on the session's role."""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gradio as gr
from gradio.components import Component

from assistant.services.access import KeyRing, Role
from assistant.services.asking import AskFilters
from assistant.services.documents import DocumentRecord
from assistant.services.runtime import Runtime, RuntimeGetter
from ui.access import AccessDenied, require, role_of_request
from ui.render import document_label

ALL_YEARS = "Tất cả"

StoreUpdates = Callable[[Sequence[DocumentRecord]], list[Any]]
RoleUpdates = Callable[[Role, Runtime], list[Any]]


class Guard:
    """The role check of every handler, in one place: the role comes from the request itself (its key
    header or the session cookie, :func:`ui.access.role_of_request`), never from what the page sends."""

    def __init__(self, get_runtime: RuntimeGetter) -> None:
        self._get_runtime = get_runtime
        self._keys: KeyRing | None = None

    def _key_ring(self) -> KeyRing:
        # Built on the first request (the runtime, and so the settings, exist only once the app runs);
        # the keys do not change while it runs.
        if self._keys is None:
            self._keys = KeyRing.from_settings(self._get_runtime().settings.api)
        return self._keys

    def role(self, request: gr.Request | None) -> Role | None:
        keys = self._key_ring()
        if request is None:  # a handler called outside a request: only open mode allows it
            return "admin" if keys.open_access else None
        return role_of_request(keys, request.headers, dict(request.cookies))

    def check(self, request: gr.Request | None, needed: Role) -> Role:
        """The request's role, or a Gradio error (shown as a toast) when it does not allow ``needed``."""
        role = self.role(request)
        try:
            require(role, needed)
        except AccessDenied as denied:
            raise gr.Error(denied.message) from None
        assert role is not None
        return role


def input_row(
    label: str, placeholder: str, box_id: str, button: str, button_id: str
) -> tuple[gr.Textbox, gr.Button]:
    """A text box and the button that sends it, on one row even on a phone (the question, the search
    query); ``label`` names the box for screen readers."""
    with gr.Row(elem_classes="vk-input-row"):
        box = gr.Textbox(label=label, placeholder=placeholder, show_label=False, scale=6, elem_id=box_id)
        return box, gr.Button(button, variant="primary", scale=1, elem_id=button_id)


def _no_updates(*_args: object) -> list[Any]:
    return []


@dataclass
class TabParts:
    """What the page frame refreshes in a tab.

    ``store_outputs`` show what the store holds: ``show_store(records)`` gives their updates, after the
    page loads and after an upload or a deletion. ``role_outputs`` depend on the session's role:
    ``show_role(role, runtime)`` gives their updates when the page loads; ``load_hooks`` add a tab's own
    load events (the conversation kept in the browser).
    """

    store_outputs: list[Component] = field(default_factory=list)
    show_store: StoreUpdates = _no_updates
    role_outputs: list[Component] = field(default_factory=list)
    show_role: RoleUpdates = _no_updates
    # Events a tab adds to the page's load (``hook(demo)``): what the browser keeps, restored.
    load_hooks: list[Callable[[gr.Blocks], None]] = field(default_factory=list)


def document_choices(records: Sequence[DocumentRecord]) -> list[tuple[str, str]]:
    """Each document by its readable name, in name order; the id is added only where two names are alike."""
    labels = {r.doc_id: document_label(r) for r in records}
    counts = Counter(labels.values())
    return sorted(
        (
            (label if counts[label] == 1 else f"{label} ({doc_id})", doc_id)
            for doc_id, label in labels.items()
        ),
        key=lambda choice: choice[0],
    )


def filter_choices(records: Sequence[DocumentRecord]) -> dict[str, list[Any]]:
    """The choices of the filter controls, from the documents in the store."""
    return {
        "documents": document_choices(records),
        "localities": sorted({r.metadata.locality for r in records if r.metadata.locality}),
        "years": [
            ALL_YEARS,
            *(str(y) for y in sorted({r.metadata.year for r in records if r.metadata.year})),
        ],
        "types": sorted({r.metadata.doc_type for r in records if r.metadata.doc_type}),
    }


def ask_filters(
    documents: list[str] | None, localities: list[str] | None, year: str | None, types: list[str] | None
) -> AskFilters:
    chosen_year = int(year) if year and year != ALL_YEARS else None
    return AskFilters(
        documents=list(documents or []),
        localities=list(localities or []),
        doc_types=list(types or []),
        year_from=chosen_year,
        year_to=chosen_year,
    )


@dataclass(frozen=True)
class FilterControls:
    """The filters the Hỏi đáp and Tra cứu tabs share: documents, localities, year, document types."""

    documents: gr.Dropdown
    localities: gr.Dropdown
    year: gr.Dropdown
    types: gr.Dropdown

    @classmethod
    def build(cls) -> "FilterControls":
        gr.Markdown("### Bộ lọc")
        return cls(
            gr.Dropdown(label="Văn bản", multiselect=True, choices=[]),
            gr.Dropdown(label="Địa bàn", multiselect=True, choices=[]),
            gr.Dropdown(label="Năm", choices=[ALL_YEARS], value=ALL_YEARS),
            gr.Dropdown(label="Loại văn bản", multiselect=True, choices=[]),
        )

    @property
    def components(self) -> list[Component]:
        """In the order of :func:`ask_filters`' arguments."""
        return [self.documents, self.localities, self.year, self.types]

    def show_store(self, records: Sequence[DocumentRecord]) -> list[Any]:
        choices = filter_choices(records)
        return [gr.update(choices=choices[key]) for key in ("documents", "localities", "years", "types")]
