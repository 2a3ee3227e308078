# syntax=docker/dockerfile:1
# newsquote: the Discord bot that answers by quoting news articles, with its index and model inside.
#
#   docker build -t qa-bot .
#   docker run -e DISCORD_TOKEN=... -v qa-data:/app/data qa-bot
#
# Build arguments (see docs/docker.md):
#   TORCH_VERSION      torch release to install, CPU build (default 2.13.0, as pinned in pyproject.toml)
#   TORCH_INDEX_URL    index that serves the CPU wheels (default: PyTorch's CPU index)
#   TORCH_WHEELS       a folder inside the build holding the torch wheel (e.g. mounted with
#                      `-v /some/dir:/wheels:ro`); when set, it is used instead of TORCH_INDEX_URL
#   PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, PIP_FIND_LINKS
#                      passed to pip as they are, for a mirror; empty means pip's defaults

ARG BASE_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------------------------------------------------
# base: what both the build and the final image need (Debian's Python 3.11, CA certificates, tini).
FROM ${BASE_IMAGE} AS base

ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 ca-certificates tini \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*

# ---------------------------------------------------------------------------------------------------------
# deps: a virtual environment with torch (its own layer: the biggest and slowest) and the project's pins.
FROM base AS deps

RUN apt-get update \
    && apt-get install -y --no-install-recommends python3-venv \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv "$VIRTUAL_ENV"

ARG PIP_INDEX_URL=""
ARG PIP_EXTRA_INDEX_URL=""
ARG PIP_FIND_LINKS=""
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_DEFAULT_TIMEOUT=180

ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG TORCH_WHEELS=""
# "+cpu" names the CPU build exactly: a plain torch==X would let PyPI's CUDA build (several GB) win.
# torch's C++ tests, headers and tools (~200 MB) are not needed to run it.
RUN if [ -n "$TORCH_WHEELS" ]; then set -- --find-links "$TORCH_WHEELS"; \
    else set -- --extra-index-url "$TORCH_INDEX_URL"; fi \
    && pip install --no-compile "$@" "torch==${TORCH_VERSION}+cpu" \
    && torch_dir="$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/torch" \
    && rm -rf "$torch_dir/test" "$torch_dir/include" "$torch_dir/share/cmake" \
              "$torch_dir"/bin/*Test "$torch_dir"/bin/protoc* "$torch_dir"/bin/test_*

# The pinned dependencies from pyproject.toml alone, so that editing the code does not reinstall them.
COPY pyproject.toml /src/pyproject.toml
# Optional extras, comma-separated: EXTRAS=qdrant for INDEX_ENGINE=qdrant (docs/scale.md).
ARG EXTRAS=""
RUN EXTRAS="$EXTRAS" python -c 'import os, tomllib, sys; \
project = tomllib.load(open("/src/pyproject.toml", "rb"))["project"]; \
extras = [e for e in os.environ["EXTRAS"].split(",") if e]; \
deps = project["dependencies"] + [d for e in extras for d in project["optional-dependencies"][e]]; \
sys.stdout.write("\n".join(deps) + "\n")' > /tmp/requirements.txt \
    && pip install --no-compile -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# ---------------------------------------------------------------------------------------------------------
# build: the project itself, then the index of the default corpus, made at image build time.
FROM deps AS build

COPY index /src/index
COPY bot /src/bot
RUN pip install --no-compile /src \
    && python -m pip check

COPY corpus /app/corpus
ENV HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HF_HUB_DISABLE_TELEMETRY=1
# Build the index of the default corpus with the default model (multilingual-e5-small's 4-bit weights on
# amd64; elsewhere the MiniLM fallback), exported to ONNX into /app/seed/index/models so the bot answers without
# importing torch, ask it a question, load every module of the project. Bytecode is
# written for just the modules these runs import: what start-up needs (the app cannot write it at run time),
# without the ~300 MB that compiling every installed file would add (hence pip's --no-compile above).
RUN export PYTHONDONTWRITEBYTECODE= CORPUS_DIR=/app/corpus INDEX_DIR=/app/seed/index \
    && python -m index build \
    && python -m index ask "what did Osorio win with Nacional?" \
    && python -c 'import importlib, pkgutil, bot, index; \
[importlib.import_module(m.name) for p in (bot, index) for m in pkgutil.walk_packages(p.__path__, p.__name__ + ".")]' \
    && rm -f /app/seed/index/.build.lock

# ---------------------------------------------------------------------------------------------------------
# runtime: the final image. No compiler, no pip cache, no python3-venv; runs as an unprivileged user.
FROM base AS runtime

LABEL org.opencontainers.image.title="newsquote" \
      org.opencontainers.image.description="Discord bot that answers questions by quoting news articles verbatim"

ARG APP_UID=10001
RUN groupadd --system --gid "$APP_UID" app \
    && useradd --system --uid "$APP_UID" --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app \
    && mkdir -p /app/data \
    && chown app:app /app/data

COPY --from=build /opt/venv /opt/venv
COPY --from=build /app/corpus /app/corpus
COPY --from=build /app/seed /app/seed
COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/docker-entrypoint

WORKDIR /app
ENV HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HF_HUB_DISABLE_TELEMETRY=1 \
    CORPUS_DIR=/app/corpus \
    INDEX_DIR=/app/data/index \
    FEEDBACK_FILE=/app/data/feedback.jsonl \
    DATABASE_FILE=/app/data/newsquote.sqlite3 \
    SEED_INDEX_DIR=/app/seed/index

# Feedback and rebuilt indexes; the entrypoint copies the index built above into it when it has none.
VOLUME ["/app/data"]
USER app

# Fails when the bot is not connected to Discord, has no index loaded, or stopped updating its status file.
HEALTHCHECK --interval=30s --timeout=15s --start-period=120s --retries=3 \
    CMD ["python", "-m", "bot", "healthcheck"]

STOPSIGNAL SIGTERM
# tini is PID 1: it forwards SIGTERM to Python and reaps children, so `docker stop` is quick and clean.
ENTRYPOINT ["tini", "--", "docker-entrypoint"]
CMD ["python", "-m", "bot"]
