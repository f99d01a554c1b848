{#- Parts of a lake path read back in SQL. partition_run_date: the run_date of
    `.../run_date=YYYY-MM-DD/...` (lake_run_date_pattern) as a DATE; DuckDB reads it from the file
    name read_text returns, on Snowflake the loader reads it from metadata$filename.
    lake_page_number: the page number of `.../page-NNNNN.json` (lake_page_number_pattern) as an
    integer, from a page_key (the panels' ranks). -#}

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


{% macro lake_page_number(path_expr) -%}
    {{ return(adapter.dispatch('lake_page_number', 'game_market')(path_expr)) }}
{%- endmacro %}

{% macro duckdb__lake_page_number(path_expr) -%}
    cast(regexp_extract({{ path_expr }}, '{{ lake_page_number_pattern() }}', 1) as integer)
{%- endmacro %}

{% macro snowflake__lake_page_number(path_expr) -%}
    to_number(regexp_substr({{ path_expr }}, '{{ lake_page_number_pattern() | replace('\\', '\\\\') }}', 1, 1, 'e', 1))
{%- endmacro %}
