"""Duplicates and leakage: every planted exact and near duplicate is found (and nothing
else), the keep policies and group caps do what they say, bounded-memory pair search."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("PIL")
pytest.importorskip("imagehash")
pytest.importorskip("yaml")

from _detection_data import plant_duplicates  # noqa: E402
from datareduce.detection import (  # noqa: E402
    Deduplicator,
    DetectionDataset,
    DetectionReducer,
    find_leakage,
    load_yolo,
)
from datareduce.detection.hashing import (  # noqa: E402
    exact_duplicate_groups,
    hamming_pairs,
    perceptual_hashes,
)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    root = tmp_path_factory.mktemp("planted")
    answers = plant_duplicates(root)
    return root, answers, load_yolo(root / "data.yaml"), load_yolo(root / "data.yaml", "val")


def _pairs_of_groups(ds, groups):
    out = set()
    for g in np.unique(groups):
        members = sorted(ds.images[i].name for i in np.flatnonzero(groups == g))
        out |= {(a, b) for k, a in enumerate(members) for b in members[k + 1:]}
    return out


def _sorted_pairs(pairs):
    return {tuple(sorted(p)) for p in pairs}


def test_exact_duplicates_found_exactly(planted):
    root, answers, train, _ = planted
    groups = exact_duplicate_groups(train.images)
    assert _pairs_of_groups(train, groups) == _sorted_pairs(answers["exact"])


def test_near_duplicates_found_exactly(planted):
    root, answers, train, _ = planted
    d = Deduplicator("near").fit(train)
    expected = _sorted_pairs(answers["exact"] | answers["near"])
    assert _pairs_of_groups(train, d.group_) == expected
    assert d.n_duplicates_ == 8 and d.keep_mask_.sum() == len(train) - 8
    # the removed ones point at the image kept in their place
    for i in np.flatnonzero(~d.keep_mask_):
        j = d.duplicate_of_[i]
        assert tuple(sorted((train.images[i].name, train.images[j].name))) in expected


def test_leakage_report_finds_every_planted_leak(planted, tmp_path):
    root, answers, train, val = planted
    rep = find_leakage(train, {"val": val})
    found = {(p["train"].split("/")[-1], p["other"].split("/")[-1]): p for p in rep.pairs}
    assert set(found) == answers["leak_exact"] | answers["leak_near"]
    assert {k for k, p in found.items() if p["exact"]} == answers["leak_exact"]
    c = rep.counts()["val"]
    assert c == {"pairs": 4, "exact_pairs": 2, "train_images": 4, "other_images": 4,
                 "other_total": len(val)}
    assert rep.train_groups["exact_removable"] == 4 and rep.train_groups["near_removable"] == 8
    png = rep.contact_sheet(tmp_path / "sheet.png", max_pairs=3)
    from PIL import Image

    with Image.open(png) as im:  # three pairs side by side, two 160-pixel images each
        assert im.size[0] > 3 * 2 * 160 and im.size[1] > 160
    assert "| val | " in rep.to_markdown()


def _leaky_pair(tmp_path):
    """One training image, its byte copy and a brightened copy in val, with one box."""
    from PIL import Image, ImageDraw

    for d in ("train", "val"):
        (tmp_path / d).mkdir()
    im = Image.new("RGB", (64, 64), (90, 90, 90))
    ImageDraw.Draw(im).ellipse((20, 20, 44, 44), fill=(200, 200, 200))
    im.save(tmp_path / "train" / "frame_a.png")
    (tmp_path / "val" / "copy_b.png").write_bytes((tmp_path / "train" / "frame_a.png")
                                                  .read_bytes())
    Image.eval(im, lambda v: min(255, v + 6)).save(tmp_path / "val" / "bright_c.png")
    box = np.array([[0, 0.5, 0.5, 0.5, 0.5]])  # 16..48 pixels: around the disc
    train = DetectionDataset(images=[tmp_path / "train" / "frame_a.png"], boxes=[box],
                             names={0: "disc"})
    val = DetectionDataset(images=[tmp_path / "val" / "copy_b.png",
                                   tmp_path / "val" / "bright_c.png"],
                           boxes=[box, box], names={0: "disc"}, split="val")
    return find_leakage(train, {"val": val})


def test_contact_sheet_captions_name_both_files(tmp_path, monkeypatch):
    from PIL import ImageDraw

    rep = _leaky_pair(tmp_path)
    assert [(p["other"].split("/")[-1], p["exact"]) for p in rep.pairs] == [
        ("copy_b.png", True), ("bright_c.png", False)]
    drawn = []
    real_text = ImageDraw.ImageDraw.text

    def text(self, xy, content, *args, **kwargs):
        drawn.append((content, kwargs.get("font")))
        return real_text(self, xy, content, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", text)
    rep.contact_sheet(tmp_path / "sheet.png")
    lines = [t for t, _ in drawn]
    d_exact, d_near = rep.pairs[0]["distance"], rep.pairs[1]["distance"]
    assert lines == ["train: frame_a.png", f"val: copy_b.png · {d_exact} bits · same bytes",
                     "train: frame_a.png", f"val: bright_c.png · {d_near} bits"]
    from PIL import ImageFont

    assert all(isinstance(f, ImageFont.FreeTypeFont) for _, f in drawn)  # not the bitmap font


def test_contact_sheet_draws_the_boxes_large_enough_to_read(tmp_path):
    from PIL import Image

    rep = _leaky_pair(tmp_path)
    png = rep.contact_sheet(tmp_path / "sheet.png", thumb=160, columns=2)
    with Image.open(png) as im:
        assert im.size[0] >= 2 * 2 * 160  # two pairs side by side, at 160 pixels an image
        # the box spans 25 %..75 % of the first image (pasted at 6, 6; 64 -> 160 pixels):
        # its left edge crosses the grey background at mid height, which has no edge there
        edge = im.getpixel((6 + 40, 6 + 60))
        inside = im.getpixel((6 + 30, 6 + 60))
    assert inside == (90, 90, 90) and edge != inside


def test_audit_page_embeds_a_readable_contact_sheet(tmp_path):
    import base64
    import io
    import re

    from PIL import Image

    html = _leaky_pair(tmp_path).to_html()
    uri = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
    with Image.open(io.BytesIO(base64.b64decode(uri))) as im:
        assert im.size[0] >= 600  # was 204 pixels: two 96-pixel images


def test_audit_page_wording_and_alignment(tmp_path):
    import re

    html = _leaky_pair(tmp_path).to_html()
    # titled as the tabular split audit's page
    assert "<title>datareduce split audit</title>" in html and "<h1>Split audit</h1>" in html
    closest = html[html.index("<h2>Closest pairs</h2>"):]
    closest = closest[:closest.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", closest)
    cells = [re.findall(r"<t[hd]([^>]*)>(.*?)</t[hd]>", r) for r in rows]
    assert [c[-1][1] for c in cells] == ["same bytes", "yes", "no"]  # "no", not a blank
    for row in cells:  # file names and yes/no read from the left, numbers from the right
        styles = [style for style, _ in row]
        assert [("left" in st) for st in styles] == [False, True, True, False, True]


def test_hamming_pairs_against_brute_force():
    rng = np.random.default_rng(0)
    H = rng.integers(0, 2**63, size=(300, 2), dtype=np.int64).astype(np.uint64)
    H[50:60] = H[0] ^ np.uint64(0b101)  # a planted cluster: 2 bits per word, 4 in all
    bits = np.unpackbits(H.astype(">u8").view(np.uint8), axis=1).astype(int)
    full = (bits[:, None, :] != bits[None, :, :]).sum(-1)
    for thr in (0, 4, 60):
        i, j, d = hamming_pairs(H, threshold=thr, block_bytes=3000)  # many tiny blocks
        want = {(a, b) for a, b in zip(*np.nonzero(full <= thr), strict=True) if a < b}
        assert set(zip(i.tolist(), j.tolist(), strict=True)) == want
        np.testing.assert_array_equal(d, full[i, j])
    i, j, d = hamming_pairs(H[:20], H[40:], threshold=4)
    assert set(zip(i.tolist(), (j + 40).tolist(), strict=True)) == {
        (0, k) for k in range(50, 60)}



def _hashes_near_one_base(n, seed=0):
    """``n`` distinct 64-bit hashes, each 1 to 5 bits from one base: every pair is within
    10 bits (many similar frames: near-blank images, a video, a burst)."""
    rng = np.random.default_rng(seed)
    base, seen = 0x0F0F0F0F0F0F0F0F, set()
    while len(seen) < n:
        h = base
        for b in rng.choice(64, rng.integers(1, 6), replace=False):
            h ^= 1 << int(b)
        seen.add(h)
    return np.array(sorted(seen), dtype=np.uint64).reshape(-1, 1)


def _peak_mib(f):
    import tracemalloc

    tracemalloc.start()
    try:
        out = f()
        return out, tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def test_near_dedup_memory_does_not_grow_with_the_pairs(monkeypatch):
    """3,000 hashes all near each other are 4.5 M pairs: the groups come from merging each
    block's pairs into the components, never from all the pairs at once (the pairs
    themselves took 343 MiB at peak; now about 45 MiB, the block's temporaries)."""
    import scipy.sparse.csgraph  # noqa: F401 - imported before the measurement

    from datareduce.detection import dedup

    n = 3000
    H = _hashes_near_one_base(n)
    monkeypatch.setattr(dedup, "perceptual_hashes",
                        lambda *a, **k: (H, np.full((n, 3), 10.0, np.float32)))
    ds = DetectionDataset(images=[f"/d/{i:05d}.png" for i in range(n)],
                          boxes=[np.zeros((0, 5))] * n, names={0: "a"})
    d, peak = _peak_mib(lambda: Deduplicator("near").fit(ds))
    assert d.n_pairs_ == n * (n - 1) // 2
    assert d.n_duplicates_ == n - 1 and np.flatnonzero(d.keep_mask_).tolist() == [0]
    assert peak < 80, f"peak {peak:.0f} MiB"


def test_embedding_dedup_memory_does_not_grow_with_the_pairs():
    import scipy.sparse.csgraph  # noqa: F401
    import sklearn.neighbors  # noqa: F401

    n = 3000
    X = np.random.default_rng(0).normal(scale=0.01, size=(n, 16))
    ds = DetectionDataset(images=[f"/d/{i:05d}.png" for i in range(n)],
                          boxes=[np.zeros((0, 5))] * n, names={0: "a"})
    d, peak = _peak_mib(lambda: Deduplicator("embedding", threshold=1.0).fit(ds, X))
    assert d.n_pairs_ == n * (n - 1) // 2 and d.n_duplicates_ == n - 1
    assert peak < 80, f"peak {peak:.0f} MiB"  # the pairs took 275 MiB at peak


def _reference_groups(bits, colours, thr, tol):
    """Connected components of every pair, from the full n x n distance matrix, and the
    number of pairs."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    ham = (bits[:, None, :] != bits[None, :, :]).sum(-1)
    near = ham <= thr
    if colours is not None:
        near &= np.abs(colours[:, None, :] - colours[None, :, :]).max(-1) <= tol
    np.fill_diagonal(near, False)
    return connected_components(csr_matrix(near), directed=False)[1], int(near.sum()) // 2


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 2**12 - 1), min_size=1, max_size=40),
       st.integers(0, 4), st.booleans(), st.integers(16, 600), st.integers(0, 2**32 - 1))
def test_near_groups_equal_the_components_of_all_pairs(values, thr, with_colour, block, seed):
    """The groups of the block-merged search are the connected components of every pair,
    numbered the same way; blocks of a few rows. Its link count is that of the pair list
    (identical hashes linked to their first row, then the distinct hashes' pairs)."""
    from datareduce.detection.hashing import _near_groups_hashes, _near_pairs_hashes

    rng = np.random.default_rng(seed)
    H = np.array(values, dtype=np.uint64).reshape(-1, 1)
    bits = np.unpackbits(H.astype(">u8").view(np.uint8), axis=1).astype(int)
    C = rng.integers(0, 80, size=(len(H), 3)).astype(np.float64) if with_colour else None
    want, _ = _reference_groups(bits, C, thr, 24.0)
    got, n_links = _near_groups_hashes(H, thr, C, 24.0, block_bytes=block)
    np.testing.assert_array_equal(got, want)
    assert n_links == len(_near_pairs_hashes(H, thr, C, 24.0, block_bytes=block)[0])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=1, max_size=40), st.integers(1, 200))
def test_embedding_groups_equal_the_components_of_all_pairs(points, max_pairs):
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    from datareduce.detection.hashing import _embedding_groups

    X = np.array(points, dtype=np.float64).reshape(-1, 1) * 0.4  # chains at distance 0.4
    near = np.abs(X - X.T) <= 0.5
    np.fill_diagonal(near, False)
    want = connected_components(csr_matrix(near), directed=False)[1]
    got, n_pairs = _embedding_groups(X, threshold=0.5, max_pairs=max_pairs)
    np.testing.assert_array_equal(got, want)
    assert n_pairs == int(near.sum()) // 2


def _toy():
    b = lambda k: np.array([[0, .5, .5, .1, .1]] * k).reshape(-1, 5)  # noqa: E731
    return DetectionDataset(images=[f"/d/v{v}_f{f}.png" for v in (1, 2) for f in range(5)],
                            boxes=[b(k) for k in (1, 3, 0, 2, 2, 1, 1, 4, 1, 0)],
                            names={0: "a"})


def test_keep_policies_and_caps_by_hand():
    ds = _toy()
    emb = np.array([[0.], [0.1], [0.2], [5.], [5.1], [9.], [9.05], [9.5], [20.], [30.]])
    # groups by embedding within 0.3: {0,1,2}, {3,4}, {5,6} ({7} is 0.45 from 6: alone)
    first = Deduplicator("embedding", threshold=0.3).fit(ds, emb)
    assert np.flatnonzero(first.keep_mask_).tolist() == [0, 3, 5, 7, 8, 9]
    most = Deduplicator("embedding", threshold=0.3, keep="most_boxes").fit(ds, emb)
    assert np.flatnonzero(most.keep_mask_).tolist() == [1, 3, 5, 7, 8, 9]
    central = Deduplicator("embedding", threshold=0.3, keep="central").fit(ds, emb)
    assert np.flatnonzero(central.keep_mask_).tolist() == [1, 3, 5, 7, 8, 9]
    assert central.duplicate_of_[[0, 2, 4, 6]].tolist() == [1, 1, 3, 5]
    # caps: at most 2 per video after dedup; "first" spreads over the video
    capped = Deduplicator("embedding", threshold=0.3, groups=r"^(v\d)_", max_per_group=2).fit(
        ds, emb)
    assert np.flatnonzero(capped.keep_mask_).tolist() == [0, 3, 5, 9]
    assert capped.capped_.sum() == 2
    capb = Deduplicator("none", groups=np.array(list("aaaaabbbbb")), max_per_group=1,
                        keep="most_boxes").fit(ds)
    assert np.flatnonzero(capb.keep_mask_).tolist() == [1, 7]
    with pytest.raises(ValueError, match="max_per_group needs groups"):
        Deduplicator("exact", max_per_group=2).fit(ds)
    with pytest.raises(ValueError, match="keep="):
        Deduplicator("exact", keep="last").fit(ds)


def test_reducer_with_dedup_never_keeps_a_duplicate(planted, tmp_path):
    root, answers, train, _ = planted
    dup_names = {b for _, b in answers["exact"] | answers["near"]}
    n = len(train)
    for method in ("srs", "mms"):
        dr = DetectionReducer(method, keep=0.8, embedder="label", random_state=0,
                              dedup=Deduplicator("near")).fit(train)
        kept = {train.images[i].name for i in dr.sample_indices_}
        assert len(kept) == round(0.8 * n)  # a fraction of the whole dataset
        groups = dr.dedup_.group_[dr.sample_indices_]
        assert len(np.unique(groups)) == len(groups)  # one image per duplicate group
        assert not kept & dup_names  # keep="first": the originals (sorted first) stay
    with pytest.warns(UserWarning, match="remain after de-duplication"):
        dr = DetectionReducer("srs", keep=n, embedder="label", dedup="exact").fit(train)
    assert len(dr.sample_indices_) == n - 4
    dr.write(tmp_path / "out")
    man = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert man["dedup"]["n_duplicates_removed"] == 4
    assert {r["image"].split("/")[-1] for r in man["dedup"]["removed"]} == \
        {b for _, b in answers["exact"]}


def test_default_dedup_removes_near_duplicates_and_fills_the_count(planted):
    """dedup="auto" (the default): no duplicate is kept while the distinct images suffice;
    beyond them every distinct image is kept and the count is still the one asked for."""
    root, answers, train, _ = planted
    dup_names = {b for _, b in answers["exact"] | answers["near"]}  # the 8 removable copies
    n = len(train)
    n_distinct = n - 8
    for keep in (0.5, n_distinct):
        dr = DetectionReducer("srs", keep=keep, embedder="label", random_state=0).fit(train)
        kept = {train.images[i].name for i in dr.sample_indices_}
        assert len(dr.sample_indices_) == (round(0.5 * n) if keep == 0.5 else n_distinct)
        assert not kept & dup_names
    # more than the distinct images: all of them, and the rest among the duplicates
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "remain after de-duplication" warning
        dr = DetectionReducer("srs", keep=n - 3, embedder="label", random_state=0).fit(train)
    kept = [train.images[i].name for i in dr.sample_indices_]
    assert len(kept) == len(set(kept)) == n - 3
    assert len(set(kept) & dup_names) == 5 and dr.manifest()["dedup"]["refilled"] == 5
    # one more than the distinct images: every category is already kept, so no quota warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DetectionReducer("srs", keep=n_distinct + 1, embedder="label", random_state=0).fit(train)
    assert dr.embeddings_.shape[0] == n and len(dr.embedded_indices_) == n
    # keep 1.0 and a dataset without duplicates: the same rows as no de-duplication
    all_rows = DetectionReducer("srs", keep=1.0, embedder="label").fit(train)
    assert all_rows.dedup_ is None and len(all_rows.sample_indices_) == n
    distinct = train.subset(np.flatnonzero(Deduplicator("near").fit(train).keep_mask_))
    a = DetectionReducer("srs", keep=0.4, embedder="label", random_state=1).fit(distinct)
    b = DetectionReducer("srs", keep=0.4, embedder="label", random_state=1,
                         dedup=None).fit(distinct)
    assert a.dedup_.n_duplicates_ == 0
    np.testing.assert_array_equal(np.sort(a.sample_indices_), np.sort(b.sample_indices_))
    with pytest.raises(ValueError, match="dedup='nearest'"):
        DetectionReducer("srs", dedup="nearest").fit(train)


def test_default_dedup_steps_aside_without_imagehash(planted, monkeypatch):
    root, answers, train, _ = planted
    monkeypatch.setitem(__import__("sys").modules, "imagehash", None)  # import fails
    with pytest.warns(UserWarning, match="dedup='auto' skipped: .*imagehash"):
        dr = DetectionReducer("srs", keep=0.5, embedder="label", random_state=0).fit(train)
    assert len(dr.sample_indices_) == round(0.5 * len(train))
    assert dr.manifest()["dedup"]["skipped"].startswith("near-duplicate search needs imagehash")
    with pytest.raises(ImportError, match="imagehash"):
        DetectionReducer("srs", keep=0.5, embedder="label", dedup="near").fit(train)


def test_cli_and_python_keep_the_same_images_by_default(planted, tmp_path, capsys):
    from datareduce.cli import main

    root, answers, train, _ = planted
    for keep, dedup in (("0.5", "auto"), (str(len(train) - 3), "auto"), ("0.5", "none")):
        out = tmp_path / f"out_{keep}_{dedup}"
        argv = ["yolo", str(root / "data.yaml"), "--method", "srs", "--keep", keep,
                "--embedder", "label", "--seed", "0", "--output", str(out)]
        assert main(argv + ([] if dedup == "auto" else ["--dedup", dedup])) == 0
        k = float(keep) if "." in keep else int(keep)
        dr = DetectionReducer("srs", keep=k, embedder="label", random_state=0,
                              dedup=None if dedup == "none" else "auto").fit(train)
        assert sorted(p.name for p in load_yolo(out / "data.yaml").images) == \
            sorted(p.name for p in dr.kept_images_)
    capsys.readouterr()
    base = ["yolo", str(root / "data.yaml"), "--keep", "0.5", "--dry-run"]
    assert main(base + ["--dedup-keep", "most_boxes"]) == 2  # auto keeps the first image
    assert "--dedup-keep most_boxes needs --dedup near" in capsys.readouterr().err
    assert main(base + ["--dedup", "near", "--dedup-keep", "most_boxes", "--embedder",
                        "label"]) == 0


def test_cli_audit(planted, tmp_path, capsys):
    from datareduce.cli import main

    root, answers, train, val = planted
    png = tmp_path / "pairs.png"
    assert main(["yolo-audit", str(root / "data.yaml"), "--contact-sheet", str(png),
                 "--json", str(tmp_path / "leak.json")]) == 0
    out = capsys.readouterr().out
    assert "| val | 14 | 4 | 4 | 4 | 2 |" in out
    assert png.is_file()
    rep = json.loads((tmp_path / "leak.json").read_text())
    assert len(rep["pairs"]) == 4
    # a second run never replaces the files without --overwrite, and fails before hashing
    before = (tmp_path / "leak.json").read_bytes()
    assert main(["yolo-audit", str(root / "data.yaml"), "--contact-sheet", str(png),
                 "--json", str(tmp_path / "leak.json")]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (tmp_path / "leak.json").read_bytes() == before
    assert main(["yolo-audit", str(root / "data.yaml"), "--json", str(tmp_path / "leak.json"),
                 "--overwrite"]) == 0
    # --overwrite replaces a link named --json, never writes through it into its target
    # (before: open(path, "w") wrote the report into the linked file); strict JSON
    precious = tmp_path / "precious.json"
    precious.write_text('{"mine": 1}')
    link = tmp_path / "linked.json"
    link.symlink_to(precious)
    assert main(["yolo-audit", str(root / "data.yaml"), "--json", str(link),
                 "--overwrite"]) == 0
    assert precious.read_text() == '{"mine": 1}' and not link.is_symlink()
    json.loads(link.read_text(), parse_constant=lambda c: pytest.fail(f"bare {c}"))
    # the same for the contact sheet and the page
    sheet, page = tmp_path / "sheet.png", tmp_path / "page.html"
    sheet.symlink_to(precious)
    page.symlink_to(precious)
    assert main(["yolo-audit", str(root / "data.yaml"), "--contact-sheet", str(sheet),
                 "--report", str(page), "--overwrite"]) == 0
    assert precious.read_text() == '{"mine": 1}'
    assert not sheet.is_symlink() and sheet.read_bytes()[:4] == b"\x89PNG"
    assert not page.is_symlink() and "<html" in page.read_text()


def test_cli_audit_html_page(planted, tmp_path, capsys):
    """yolo-audit --report writes the same kind of one-file page as the tabular audit:
    verdicts at the top, the counts, the closest pairs and the embedded contact sheet."""
    from html.parser import HTMLParser

    from datareduce.cli import main

    root, answers, train, val = planted
    page = tmp_path / "leak.html"
    assert main(["yolo-audit", str(root / "data.yaml"), "--report", str(page)]) == 0
    text = page.read_text()

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.imgs, self.verdicts = [], []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "img":
                self.imgs.append(a["src"])
            if tag == "li":
                self.verdicts.append(a.get("class"))

    tags = Tags()
    tags.feed(text)
    assert tags.verdicts == ["bad"]  # 4 val images leak
    assert "4 of 14 val images duplicate" in text
    assert len(tags.imgs) == 1 and tags.imgs[0].startswith("data:image/png;base64,")
    assert "http" not in text  # self-contained
    # never replaced without --overwrite, checked before any hashing
    assert main(["yolo-audit", str(root / "data.yaml"), "--report", str(page)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main(["yolo-audit", str(root / "data.yaml"), "--report", str(tmp_path / "x.txt")]) == 2


def test_perceptual_hashes_threads_agree(planted):
    root, answers, train, _ = planted
    a = perceptual_hashes(train.images[:70])
    b = perceptual_hashes(train.images[:70], n_jobs=2)
    np.testing.assert_array_equal(a, b)


def test_uniform_images_of_different_colours_are_not_near_duplicates(tmp_path):
    from PIL import Image

    (tmp_path / "images").mkdir()
    colours = [(10, 10, 10), (200, 30, 30), (30, 200, 30), (12, 9, 11), (30, 30, 200)]
    for k, c in enumerate(colours):
        Image.new("RGB", (32, 32), c).save(tmp_path / "images" / f"{k}.png")
    ds = DetectionDataset(images=sorted((tmp_path / "images").iterdir()),
                          boxes=[np.zeros((0, 5))] * 5, names={0: "a"})
    H = perceptual_hashes(ds.images)
    assert len(np.unique(H, axis=0)) == 1  # a pHash alone calls them all duplicates
    d = Deduplicator("near").fit(ds)
    assert np.flatnonzero(~d.keep_mask_).tolist() == [3]  # only the near-black twin
    assert d.duplicate_of_[3] == 0
    rep = find_leakage(ds.subset([0, 1]), {"val": ds.subset([2, 3, 4])})
    assert [(p["train"][-5:], p["other"][-5:]) for p in rep.pairs] == [("0.png", "3.png")]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=25),
       st.lists(st.integers(0, 2), min_size=25, max_size=25),
       st.sampled_from(["first", "most_boxes", "central"]),
       st.one_of(st.none(), st.integers(1, 4)))
def test_dedup_invariants(points, videos, keep, cap):
    n = len(points)
    emb = np.array(points, dtype=float).reshape(-1, 1)
    ds = DetectionDataset(images=[f"/d/{i:03d}.png" for i in range(n)],
                          boxes=[np.zeros((i % 3, 5)) for i in range(n)], names={0: "a"})
    groups = np.array(videos[:n])
    d = Deduplicator("embedding", threshold=0.5, keep=keep,
                     groups=None if cap is None else groups, max_per_group=cap).fit(ds, emb)
    kept = np.flatnonzero(d.keep_mask_ | d.capped_)  # kept before the cap
    # exactly one image per distinct embedding value (threshold 0.5 < the unit spacing)
    assert sorted(emb[kept, 0].tolist()) == sorted(set(points))
    for i in np.flatnonzero(d.duplicate_of_ >= 0):
        j = d.duplicate_of_[i]
        assert d.keep_mask_[j] or d.capped_[j]
        assert emb[i, 0] == emb[j, 0] and j != i
    if cap is not None:
        for g in np.unique(groups):
            assert (d.keep_mask_ & (groups == g)).sum() <= cap
    if keep == "most_boxes":
        for i in np.flatnonzero(d.duplicate_of_ >= 0):
            assert len(ds.boxes[d.duplicate_of_[i]]) >= len(ds.boxes[i])
