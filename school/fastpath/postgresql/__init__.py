"""Django's PostgreSQL backend with a health check by socket poll: ENGINE "school.fastpath.postgresql"."""
