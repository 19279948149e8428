"""The key page: what a browser without a valid key sees at ``/`` when keys are configured.

A plain HTML form (no script, nothing fetched from elsewhere) posting to ``session``; it shows no
document and no part of the UI.
"""

from __future__ import annotations

from html import escape

_PAGE = """<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Văn Kiện QA — Nhập khoá truy cập</title>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1f2933; }}
  main {{ max-width: 32rem; margin: 12vh auto; background: #fff; padding: 2rem 2.25rem;
         border-radius: 12px; box-shadow: 0 2px 12px rgba(0, 0, 0, .08); }}
  h1 {{ font-size: 1.6rem; margin: 0 0 .5rem; }}
  p {{ line-height: 1.5; }}
  label {{ display: block; font-weight: 600; margin: 1.25rem 0 .4rem; }}
  input {{ width: 100%; box-sizing: border-box; padding: .6rem .7rem; font-size: 1rem;
          border: 1px solid #c5ccd3; border-radius: 8px; }}
  button {{ margin-top: 1rem; padding: .6rem 1.2rem; font-size: 1rem; border: 0; border-radius: 8px;
           background: #ea580c; color: #fff; cursor: pointer; }}
  #vk-key-status {{ color: #b91c1c; min-height: 1.5em; margin-top: .75rem; }}
</style>
</head>
<body>
<main id="vk-key-row">
  <h1>Văn Kiện QA</h1>
  <p>Máy chủ này cần khoá truy cập. Khoá đọc mở Hỏi đáp, Tra cứu và danh sách văn bản; khoá quản trị
  mở thêm việc nạp, xoá văn bản và Đánh giá.</p>
  <form method="post" action="{action}">
    <label for="vk-key-input">Khoá truy cập</label>
    <div id="vk-key"><input id="vk-key-input" name="key" type="password" autocomplete="current-password"
      required autofocus></div>
    <button type="submit">Xác nhận khoá</button>
  </form>
  <p id="vk-key-status" role="alert">{message}</p>
</main>
</body>
</html>
"""


def key_page_html(base_url: str, message: str = "") -> str:
    """The page; ``base_url`` is where the UI is mounted (``/`` unless behind a proxy's root path)."""
    return _PAGE.format(action=escape(base_url + "session", quote=True), message=escape(message))
