"""Admin: load the licensed MBI-GS item wording (format in kapms/measures/instruments.py)."""

import tempfile
from pathlib import Path

from flask import flash, redirect, render_template, url_for

from kapms.extensions import db
from kapms.measures import services
from kapms.measures.blueprint import actor, admin_bp
from kapms.measures.forms import ItemTextForm
from kapms.measures.instruments import load_licensed_item_text
from kapms.web.forms import attempt

MAX_TEXT_BYTES = 64 * 1024


@admin_bp.route("/item-text", methods=["GET", "POST"])
def item_text():
    """Upload the licensed MBI-GS item wording (the file format is in instruments.py)."""
    form = ItemTextForm()
    if form.validate_on_submit():
        data = form.file.data.read(MAX_TEXT_BYTES + 1)
        if len(data) > MAX_TEXT_BYTES:
            form.file.errors = ["That file is too large for 16 items."]
        else:
            # the loader reads a path; a private temporary file keeps its error messages
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "mbi-gs.txt"
                path.write_bytes(data)
                try:
                    texts = load_licensed_item_text(path)
                except (ValueError, UnicodeDecodeError) as error:
                    form.file.errors = [str(error).replace(str(path), "file")]
                    texts = None
            if texts is not None:
                ok, _ = attempt(form, lambda: services.load_item_texts(
                    db.session, actor(), "MBI-GS", texts))
                if ok:
                    flash("MBI-GS item text loaded.", "success")
                    return redirect(url_for("measures_admin.item_text"))
    labels = services.item_labels(db.session, "MBI-GS")
    return render_template("measures/item_text.html", form=form, labels=labels)
