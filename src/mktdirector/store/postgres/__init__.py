"""The team backend: the same store (the mixins of store/sqlite/) on PostgreSQL via psycopg 3.

Imported only when `MKTD_DATABASE_URL` / `database.url` is set: psycopg never loads otherwise.
"""
