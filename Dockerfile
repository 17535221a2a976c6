# The production image for the web and worker services in docker-compose.yml.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    FLOWS_DIR=/app/flows HELPLINE_DATA_DIR=/var/lib/helpline
WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY helpline ./helpline
COPY workers ./workers
RUN pip install --no-cache-dir . && useradd --system --home /var/lib/helpline helpline \
    && mkdir -p /var/lib/helpline && chown helpline /var/lib/helpline
COPY flows ./flows
USER helpline
EXPOSE 8000
CMD ["gunicorn", "helpline.wsgi:app", "--bind", "0.0.0.0:8000", "--workers", "2", "--timeout", "30"]
