"""gunicorn.conf.py: each worker freezes its heap once the app is loaded (gc.freeze), so a full
garbage collection walks only what requests created since (issue 14: a full pass on the large
salon's /admin was a pause of tens of milliseconds)."""

from __future__ import annotations

import gc
import pathlib
import runpy
from types import SimpleNamespace

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_each_worker_freezes_what_loading_the_app_made(monkeypatch):
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    loaded = [object() for _ in range(3)]  # stands for the app a worker has just imported
    tracked = [[n] for n in range(1000)]  # containers the collector tracks
    assert gc.get_freeze_count() == 0
    try:
        config["post_worker_init"](SimpleNamespace(log=None))
        frozen = gc.get_freeze_count()
        assert frozen >= len(tracked)
        collectable = {id(o) for o in gc.get_objects()}  # every generation: the frozen are in none
        assert not any(id(t) in collectable for t in tracked)
        gc.collect()
        assert gc.get_freeze_count() == frozen  # a full collection leaves them where they are
    finally:
        gc.unfreeze()
    assert loaded and tracked
