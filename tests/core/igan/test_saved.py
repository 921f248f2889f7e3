"""Fix's start around one latent, and an edit saved to a folder and opened again."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from deepscope.core.igan import Candidates, SavedEdit, fix_start, open_edit_job, save_edit_job
from deepscope.core.igan.edit import draw_start, morph, start_job
from deepscope.core.igan.support import in_support


def test_fix_starts_around_the_chosen_latent_and_anchors_there(digits_gan) -> None:
    z = draw_start(digits_gan, 1, seed=4).z
    start = fix_start(digits_gan, z, None, 8, seed=1)
    np.testing.assert_allclose(start.z[0], z[0], atol=1e-5)  # the chosen one first
    np.testing.assert_array_equal(start.z0, np.repeat(z, 8, 0))
    assert len(np.unique(start.z.round(4), axis=0)) == 8  # jittered: 8 different latents
    assert in_support(torch.as_tensor(start.z), digits_gan.prior)


def test_a_saved_edit_opens_as_it_was(digits_gan, tmp_path) -> None:
    start = draw_start(digits_gan, 4, seed=2)
    (frame,) = start_job(digits_gan, start)
    assert isinstance(frame, Candidates)
    strokes = [{"tool": "colour", "color": [255, 255, 255], "width": 6,
                "points": [[10.0, 20.0], [10.0, 200.0]], "box": None, "patch": None},
               {"tool": "warp", "color": [0, 0, 0], "width": 4, "points": [[5, 5], [40, 5]],
                "box": [0, 0, 32, 32], "patch": np.full((32, 32, 4), 200, np.uint8)}]
    picture = np.zeros((256, 256, 4), np.uint8)
    moved = morph(digits_gan, frame.z0[1], frame.z[1])
    (said,) = save_edit_job(str(tmp_path / "e"), "RUN", frame, 1, moved, strokes, picture)
    assert str(tmp_path / "e") in said.text
    assert json.loads((tmp_path / "e" / "strokes.json").read_text())[1]["patch"] == "warp-1.png"
    (opened,) = open_edit_job(str(tmp_path / "e"))
    assert isinstance(opened, SavedEdit) and opened.run == "RUN" and opened.chosen == 1
    np.testing.assert_array_equal(opened.z, frame.z)
    np.testing.assert_array_equal(opened.z0, frame.z0)
    assert opened.strokes[0]["points"] == strokes[0]["points"]
    np.testing.assert_array_equal(opened.strokes[1]["patch"], strokes[1]["patch"])
    with pytest.raises(ValueError, match="holds no saved edit"):
        list(open_edit_job(str(tmp_path)))
