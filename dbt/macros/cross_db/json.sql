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


{% macro json_columns(expr, fields) -%}
    {#- `<value> as <column>` for each (column, path, type) of `fields`, comma-separated: the
        typed values of several keys of one JSON object, each as json_value would read it
        (`type` 'json' excluded). -#}
    {{ return(adapter.dispatch('json_columns', 'game_market')(expr, fields)) }}
{%- endmacro %}

{% macro default__json_columns(expr, fields) -%}
    {%- for column, path, type in fields %}
        {{ json_value(expr, path, type) }} as {{ column }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro duckdb__json_columns(expr, fields) -%}
    {#- One json_extract_string with the list of paths parses the object once for every key
        (one call per key parsed it once per key: 8x slower on a /games page). The call is
        repeated for each element, and DuckDB's optimizer computes the common expression once. -#}
    {%- set paths = [] -%}
    {%- for column, path, type in fields -%}
        {%- if type == 'json' -%}
            {{ exceptions.raise_compiler_error("json_columns: " ~ column ~ " is of type json") }}
        {%- endif -%}
        {%- do paths.append("'$." ~ path ~ "'") -%}
    {%- endfor -%}
    {%- for column, path, type in fields %}
        try_cast(json_extract_string({{ expr }}, [{{ paths | join(', ') }}])[{{ loop.index }}] as {{ json_sql_type(type) }}) as {{ column }}{{ "," if not loop.last }}
    {%- endfor %}
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
