"""The SQLite backend: one file, WAL, BEGIN IMMEDIATE writes; one mixin per aggregate."""
