"""`callcenter serve` runs the bridge in its own process (embedded mode); records the database
refused then wait in the same per-node spill file as with `callcenter ami-bridge`, and a file
left from before is stored when the embedded bridge starts."""
from __future__ import annotations

import json
import os
import time

from sqlalchemy import text

from callcenter.serving import start_telephony
from callcenter.services.queue_directory import QueueDef, QueueDirectory
from fault_rig import wait_for

T0 = int(time.time()) * 1_000_000


def _line(lid: str) -> str:
    call = {"linkedid": lid, "direction": "inbound", "caller_number": "13900000001",
            "queue": "hotline", "disposition": "answered", "started_at": T0,
            "ended_at": T0 + 60_000_000, "talk_seconds": 50}
    return json.dumps({"kind": "calls", "data": call}, ensure_ascii=False) + "\n"


def _linkedids(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(text("SELECT linkedid FROM call_records")))


def test_the_embedded_bridge_stores_a_spill_file_left_from_before(container, monkeypatch):
    monkeypatch.setenv("AMI_NODE", "desk-node")
    folder = container.settings.instance_path
    os.makedirs(folder, exist_ok=True)
    spill = os.path.join(folder, "ami-spill-desk-node.jsonl")
    with open(spill, "w", encoding="utf-8") as fh:
        fh.write(_line("old-2.1") + _line("old-2.2"))
    container.extras["queues"] = QueueDirectory([QueueDef("hotline", "综合服务", "340202")])
    thread = start_telephony(container, demo=True, speed=50)
    try:
        wait_for(lambda: _linkedids(container.engine) == ["old-2.1", "old-2.2"], 30,
                 "the spilled calls stored")
        assert not os.path.exists(spill)
    finally:
        thread.stop()
