"""The tabs of the page, one module each: Hỏi đáp (:mod:`ui.tabs.ask`), Tra cứu (:mod:`ui.tabs.search`),
Văn bản (:mod:`ui.tabs.documents`), Đánh giá (:mod:`ui.tabs.evaluation`). Each ``build_…_tab`` creates its
components inside the page's ``gr.Tabs`` and wires its handlers, which call the services; what they share
is :mod:`ui.tabs.common`. The page frame is :mod:`ui.blocks`."""
