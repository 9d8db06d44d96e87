# The application image: web (gunicorn), ami-bridge, fastagi, RQ workers and the scheduler
# all run from it with different commands (see docker-compose.yml).
# Two stages: wheels are built with a compiler in the first, the runtime stage only
# receives the virtualenv, so the final image carries no build tools.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY pyproject.toml setup.cfg README.md /src/
COPY callcenter /src/callcenter
COPY agent_ui /src/agent_ui
COPY ivr /src/ivr
COPY integrations /src/integrations
COPY migrations /src/migrations
RUN /opt/venv/bin/pip install /src

FROM python:3.11-slim-bookworm
# espeak-ng + sox: `callcenter prompts build`; postgresql-client: `callcenter backup`;
# fonts-wqy-microhei: Chinese text in dispatch sheets and faxes; tini: signals and zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng sox postgresql-client \
        fonts-wqy-microhei tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 callcenter \
 && useradd --system --uid 10001 --gid callcenter --home-dir /var/lib/callcenter \
        --shell /usr/sbin/nologin callcenter \
 && mkdir -p /var/lib/callcenter/instance \
 && chown -R callcenter:callcenter /var/lib/callcenter
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CALLCENTER_INSTANCE=/var/lib/callcenter/instance \
    LOG_FORMAT=json
WORKDIR /var/lib/callcenter
USER callcenter:callcenter
EXPOSE 8000 4573
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
ENTRYPOINT ["/usr/bin/tini", "--"]
# Flask-SocketIO in threading mode: one gunicorn worker with many threads per container,
# several containers behind nginx (sticky) sharing events through Redis. See docs/deploy.md.
CMD ["gunicorn", "--worker-class", "gthread", "--workers", "1", "--threads", "100", \
     "--bind", "0.0.0.0:8000", "--forwarded-allow-ips", "*", "--access-logfile", "-", \
     "agent_ui:create_app()"]
