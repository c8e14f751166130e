FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY roamstream roamstream
COPY ingest_api ingest_api
COPY connectors connectors
COPY pipelines pipelines
COPY analytics analytics
COPY schemas schemas
RUN pip install --no-cache-dir .
ENTRYPOINT []
