{#- Schemas are named by layer (staging, intermediate, marts), not prefixed with the target
    schema: users query `marts.dim_games` on DuckDB and <database>.MARTS.DIM_GAMES on Snowflake. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
