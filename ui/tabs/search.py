"""The Tra cứu tab: section search through the search service, the same ranking ``GET /api/search`` gives,
shown as cards with the query's words marked (:func:`ui.render.search_results_html`)."""

import gradio as gr

from assistant.services.asking import QuestionError, check_query
from assistant.services.runtime import RuntimeGetter
from assistant.services.search import search_sections
from ui.render import search_results_html
from ui.tabs.common import FilterControls, Guard, TabParts, ask_filters, input_row

# The API's page size bounds (``page_size`` of /api/search).
MAX_SHOWN = 50


class SearchTab:
    def __init__(self, get_runtime: RuntimeGetter, guard: Guard) -> None:
        self._get_runtime = get_runtime
        self._guard = guard
        with gr.Row():
            with gr.Column(scale=3):
                self.query, self.find = input_row(
                    "Từ khoá tìm kiếm",
                    "Từ khoá hoặc câu hỏi, ví dụ: thu ngân sách",
                    "vk-search-query",
                    "Tìm",
                    "vk-search",
                )
                self.results = gr.HTML(elem_id="vk-search-results")
            with gr.Column(scale=1, min_width=260):
                self.filters = FilterControls.build()
                self.limit = gr.Slider(label="Số kết quả", minimum=1, maximum=MAX_SHOWN, step=1, value=10)

    def wire(self) -> None:
        inputs = [self.query, *self.filters.components, self.limit]
        self.find.click(self.search, inputs=inputs, outputs=[self.results])
        self.query.submit(self.search, inputs=inputs, outputs=[self.results])

    def search(
        self,
        query: str,
        documents: list[str] | None,
        localities: list[str] | None,
        year: str | None,
        types: list[str] | None,
        limit: float,
        request: gr.Request,
    ) -> str:
        self._guard.check(request, "reader")
        runtime = self._get_runtime()
        try:
            query = check_query(query, runtime.settings)
        except QuestionError as error:
            raise gr.Error(error.message) from None
        filters = ask_filters(documents, localities, year, types).to_retrieval()
        found = search_sections(runtime.retriever, query, filters, page=1, page_size=int(limit))
        return search_results_html(found.results, query, runtime.store.get)


def build_search_tab(get_runtime: RuntimeGetter, guard: Guard) -> TabParts:
    """The Tra cứu tab, inside the page's ``gr.Tabs``; its filters show the store."""
    with gr.Tab("Tra cứu", id="search"):
        tab = SearchTab(get_runtime, guard)
    tab.wire()
    return TabParts(store_outputs=tab.filters.components, show_store=tab.filters.show_store)
