"""Run the web process: migrations, optional demo data, then the Socket.IO-capable server."""
from __future__ import annotations

import logging

from callcenter import migrate
from callcenter.bootstrap import build
from callcenter.config import Settings

log = logging.getLogger(__name__)


def run_server(settings: Settings, host: str, port: int) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    migrate.upgrade(settings.database_url)
    container = build(settings)
    if settings.demo:
        from callcenter.demo.seed import seed_demo
        with container.sessions.begin() as session:
            logins = seed_demo(session)
        print("demo log-ins (username / role / password):")
        for username, role, password in logins:
            print(f"  {username:<14} {role:<11} {password}")
    from agent_ui import create_app
    app = create_app(settings, container=container)
    print(f"serving on http://{host}:{port}/  (Ctrl-C to stop)")
    app.run(host=host, port=port, threaded=True, use_reloader=False)
