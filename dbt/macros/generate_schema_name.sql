{#- Schemas are named by layer (staging, intermediate, marts), not prefixed with the target
    schema: users query `marts.dim_games` on DuckDB and <database>.MARTS.DIM_GAMES on Snowflake.
    GMP_SCRATCH_SCHEMA (set only by `make snowflake-smoke`, warehouse/smoke.py) puts every model
    in that one schema instead, so a check on a real account never touches the layer schemas. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (env_var('GMP_SCRATCH_SCHEMA', '') or custom_schema_name or target.schema) | trim }}
{%- endmacro %}
