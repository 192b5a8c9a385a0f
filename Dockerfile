# wirewatch: docker build -t wirewatch . && docker run -p 127.0.0.1:3000:3000 -v wirewatch-data:/data wirewatch
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WIREWATCH_CONFIG=/etc/wirewatch/wirewatch.toml

RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home wirewatch \
    && mkdir -p /data /etc/wirewatch \
    && chown wirewatch:wirewatch /data

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY plugins ./plugins
RUN pip install .
COPY examples ./examples
COPY contrib/docker.toml /etc/wirewatch/wirewatch.toml

USER wirewatch
VOLUME ["/data"]
EXPOSE 3000
# 200 while the store and the scheduler work (urlopen raises on the 503 of a broken store)
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["wirewatch"]
CMD ["run"]
