{#- JSON access. DuckDB keeps pages as JSON and reads them with json_extract*; Snowflake keeps
    them as VARIANT and reads them with bracket paths. `path` is a dotted key path ('a.b'). -#}

{% macro json_get(expr, path) -%}
    {{ return(adapter.dispatch('json_get', 'game_market')(expr, path)) }}
{%- endmacro %}

{% macro duckdb__json_get(expr, path) -%}
    json_extract({{ expr }}, '$.{{ path }}')
{%- endmacro %}

{% macro snowflake__json_get(expr, path) -%}
    {{ expr }}{% for key in path.split('.') %}['{{ key }}']{% endfor %}
{%- endmacro %}


{% macro json_value(expr, path, type) -%}
    {{ return(adapter.dispatch('json_value', 'game_market')(expr, path, type)) }}
{%- endmacro %}

{% macro duckdb__json_value(expr, path, type) -%}
    {%- if type == 'json' -%}
        {{ duckdb__json_get(expr, path) }}
    {%- else -%}
        {#- try_cast: a value RAWG retyped (schema drift, `gmp drift`) reads as NULL instead of
            failing the build. -#}
        try_cast(json_extract_string({{ expr }}, '$.{{ path }}') as {{ json_sql_type(type) }})
    {%- endif -%}
{%- endmacro %}

{% macro snowflake__json_value(expr, path, type) -%}
    {%- if type == 'json' -%}
        {{ snowflake__json_get(expr, path) }}
    {%- else -%}
        {#- TRY_CAST takes text, not VARIANT (Snowflake docs, TRY_CAST: "only works for string
            expressions"): the value as text first; `::varchar` of a VARIANT string is the string
            itself, unquoted. A retyped value then reads as NULL, as on DuckDB. -#}
        try_cast({{ snowflake__json_get(expr, path) }}::varchar as {{ json_sql_type(type) }})
    {%- endif -%}
{%- endmacro %}


{% macro json_sql_type(type) -%}
    {{ return(adapter.dispatch('json_sql_type', 'game_market')(type)) }}
{%- endmacro %}

{% macro duckdb__json_sql_type(type) -%}
    {{ {'text': 'varchar', 'int': 'bigint', 'float': 'double', 'bool': 'boolean', 'date': 'date',
        'timestamp': 'timestamp', 'json': 'json'}[type] }}
{%- endmacro %}

{% macro snowflake__json_sql_type(type) -%}
    {{ {'text': 'varchar', 'int': 'number(38, 0)', 'float': 'float', 'bool': 'boolean',
        'date': 'date', 'timestamp': 'timestamp_ntz', 'json': 'variant'}[type] }}
{%- endmacro %}


{% macro parse_json(expr) -%}
    {{ return(adapter.dispatch('parse_json', 'game_market')(expr)) }}
{%- endmacro %}

{% macro duckdb__parse_json(expr) -%}
    cast({{ expr }} as json)
{%- endmacro %}

{% macro snowflake__parse_json(expr) -%}
    parse_json({{ expr }})
{%- endmacro %}
