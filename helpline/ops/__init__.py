"""Operations endpoints: health and readiness checks, Prometheus metrics."""
