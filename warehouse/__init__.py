"""The warehouse's Python: dbt invocation, the Snowflake raw load, guards and headline queries."""
