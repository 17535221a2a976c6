"""RQ job functions. Jobs take ids and re-read what they need from Redis, so a retried job sees current data."""
