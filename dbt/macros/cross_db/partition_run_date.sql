{#- The run_date of a lake path (`.../run_date=YYYY-MM-DD/...`, lake_run_date_pattern) as a
    DATE. DuckDB reads it from the file name read_text returns; on Snowflake the loader reads it
    from metadata$filename. -#}

{% macro partition_run_date(path_expr) -%}
    {{ return(adapter.dispatch('partition_run_date', 'game_market')(path_expr)) }}
{%- endmacro %}

{% macro duckdb__partition_run_date(path_expr) -%}
    cast(regexp_extract({{ path_expr }}, '{{ lake_run_date_pattern() }}', 1) as date)
{%- endmacro %}

{% macro snowflake__partition_run_date(path_expr) -%}
    {#- A Snowflake string literal reads backslash escapes: the pattern's '\' are doubled. -#}
    to_date(regexp_substr({{ path_expr }}, '{{ lake_run_date_pattern() | replace('\\', '\\\\') }}', 1, 1, 'e', 1))
{%- endmacro %}
