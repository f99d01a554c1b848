{#- The run_date of a lake path `.../run_date=YYYY-MM-DD/...` as a DATE. DuckDB reads it from
    the file name read_text returns; on Snowflake the loader reads it from metadata$filename. -#}

{% macro partition_run_date(path_expr) -%}
    {{ return(adapter.dispatch('partition_run_date', 'game_market')(path_expr)) }}
{%- endmacro %}

{% macro duckdb__partition_run_date(path_expr) -%}
    cast(regexp_extract({{ path_expr }}, 'run_date=(\d{4}-\d{2}-\d{2})/', 1) as date)
{%- endmacro %}

{% macro snowflake__partition_run_date(path_expr) -%}
    to_date(regexp_substr({{ path_expr }}, 'run_date=(\\d{4}-\\d{2}-\\d{2})/', 1, 1, 'e', 1))
{%- endmacro %}
