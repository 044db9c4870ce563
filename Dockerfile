# Parley bot server. Build from the repository root:
#   docker build -t parley .
# The image holds Parley and the project files of the repository root; train at build time
# (below) or mount a models/ folder. Serve with: docker run -p 5005:5005 parley
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 parley

WORKDIR /app
# torch's CPU build first (as in the README's set-up), then Parley with its dependencies.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY plugins plugins
COPY nlu nlu
COPY dialogue dialogue
COPY nlg nlg
COPY actions actions
COPY parley parley
RUN pip install .

# The project: domain, config, data, endpoints and credentials of the bot to serve.
WORKDIR /bot
COPY domain.yml config.yml endpoints.yml credentials.yml ./
COPY data data
COPY tests tests
COPY shop_actions shop_actions
COPY knowledge knowledge
# --skip-nlg: fine-tuning the NLG model needs the bundled model, which the image does not
# install; mount a model archive trained with it (`parley train`) to serve a tuned model.
RUN parley train --skip-nlg --project /bot && chown -R parley:parley /bot

USER parley
EXPOSE 5005
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s --retries=3 \
    CMD curl -fsS http://127.0.0.1:5005/health || exit 1
# Workers and logging come from the command line; endpoints from /bot/endpoints.yml
# (compose.yml mounts one that points at PostgreSQL, Redis and the action server).
CMD ["parley", "run", "--project", "/bot", "--host", "0.0.0.0", "--port", "5005", \
     "--workers", "2", "--log-format", "json"]
