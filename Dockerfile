# The production image for the web, staff and worker services in docker-compose.yml.
# Installs the exact versions pinned in requirements/main.txt (refresh with `make lock`), then the app itself.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    FLOWS_DIR=/app/flows HELPLINE_DATA_DIR=/var/lib/helpline PROMETHEUS_MULTIPROC_DIR=/tmp/helpline-metrics
WORKDIR /app
COPY requirements/main.txt ./requirements/main.txt
RUN pip install --no-cache-dir -r requirements/main.txt
COPY pyproject.toml README.md LICENSE ./
COPY helpline ./helpline
COPY workers ./workers
RUN pip install --no-cache-dir --no-deps . && useradd --system --home /var/lib/helpline helpline \
    && mkdir -p /var/lib/helpline && chown helpline /var/lib/helpline
COPY flows ./flows
# Train the topic router and the crisis model now, so a container starts in about a second instead of training
# on its first start (the models are kept by content hash; a changed flows/ retrains at start).
ENV HELPLINE_MODEL_CACHE=/app/models
RUN helpline flows train
USER helpline
EXPOSE 8000
CMD ["gunicorn", "--config", "python:helpline.gunicorn_conf", "helpline.wsgi:app", "--bind", "0.0.0.0:8000"]
