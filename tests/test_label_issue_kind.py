"""The notes on label rows Ultralytics reads anyway carry a ``kind`` (clipped, dropped in
the margin, zero area), by which the reader sorts its warnings, instead of being told apart
by their message text."""

from datareduce.detection import LabelIssue
from datareduce.detection.yolo import _parse_label_text


def test_each_note_has_its_kind_and_problems_the_default():
    text = ("0 0.5 0.5 0.2 0.2\n"       # fine
            "0 1.005 0.5 0.2 0.2\n"     # a value a little outside: clipped
            "0 1.005 0.5 0.0 0.2\n"     # zero width as written and outside: dropped
            "0 0.5 0.5 0.0 0.2\n"       # zero width as written: dropped
            "0 -0.004 0.5 0.008 0.2\n"  # wholly in the margin once clipped: dropped
            "0 0.5 0.5 0.2\n")          # four fields: a problem
    clipped = []
    boxes, issues = _parse_label_text(text, 1, "a.txt", clipped)
    assert len(boxes) == 2
    assert [(c.line, c.kind) for c in clipped] == [
        (2, "clipped"), (3, "clipped"), (3, "zero_area"), (4, "zero_area"), (5, "outside")]
    assert [i.kind for i in issues] == ["problem"]
    assert str(LabelIssue("a.txt", 6, "x")) == "a.txt:6: x"
