"""kapms.pdf refuses file:// and http(s):// references: nothing is read or fetched."""

import io
import socket
import threading

from pypdf import PdfReader

from kapms.pdf import render_pdf


class Recorder:
    """A local listening socket that counts connections made to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.running = False
        self.thread.join(1)
        self.sock.close()


def test_render_pdf_fetches_nothing_outside_the_allow_list():
    recorder = Recorder()
    try:
        base = f"http://127.0.0.1:{recorder.port}"
        html = f"""<html><head>
          <link rel="stylesheet" href="{base}/style.css">
          <style>@import url("{base}/import.css"); body {{ background: url("{base}/bg.png"); }}</style>
          </head><body>
          <p>Hostile note</p>
          <img src="file:///etc/passwd"><img src="{base}/pixel.png">
          <object data="file:///etc/passwd"></object><iframe src="file:///etc/passwd"></iframe>
          <img src="/static/../../../../etc/passwd">
          <a href="{base}/link">a link</a>
          </body></html>"""
        pdf = render_pdf(html)
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        assert "Hostile note" in text
        assert "root:" not in text and "/bin/" not in text
        assert recorder.connections == 0
        # The recorder does see connections (so the assertion above can fail).
        socket.create_connection(("127.0.0.1", recorder.port), timeout=1).close()
        for _ in range(20):
            if recorder.connections:
                break
            threading.Event().wait(0.05)
        assert recorder.connections == 1
    finally:
        recorder.close()


def test_render_pdf_still_loads_app_static_files():
    """The allow-list is not 'refuse everything': the app's own static CSS loads."""
    from kapms.pdf import static_file

    assert b"bg-kap" in static_file("https://kapms.invalid/static/css/app.css")
