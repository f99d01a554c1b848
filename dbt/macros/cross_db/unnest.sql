{#- One row per element of a JSON array, as a whole FROM fragment: DuckDB unnests in the FROM
    list, Snowflake needs LATERAL FLATTEN. Place it right after the relation that holds the
    array: `from pages as p {{ json_array_elements(json_get('p.page', 'results'), 'item') }}`.
    Read the element with json_element(alias) and its 0-based position with
    json_element_index(alias). A null, missing or empty array gives no rows. -#}

{% macro json_array_elements(array_expr, alias) -%}
    {{ return(adapter.dispatch('json_array_elements', 'game_market')(array_expr, alias)) }}
{%- endmacro %}

{% macro duckdb__json_array_elements(array_expr, alias) -%}
    , unnest(cast({{ array_expr }} as json[])) with ordinality as {{ alias }}(element, ordinal)
{%- endmacro %}

{% macro snowflake__json_array_elements(array_expr, alias) -%}
    , lateral flatten(input => {{ array_expr }}) as {{ alias }}
{%- endmacro %}


{% macro json_element(alias) -%}
    {{ return(adapter.dispatch('json_element', 'game_market')(alias)) }}
{%- endmacro %}

{% macro duckdb__json_element(alias) -%}
    {{ alias }}.element
{%- endmacro %}

{% macro snowflake__json_element(alias) -%}
    {{ alias }}.value
{%- endmacro %}


{% macro json_element_index(alias) -%}
    {{ return(adapter.dispatch('json_element_index', 'game_market')(alias)) }}
{%- endmacro %}

{% macro duckdb__json_element_index(alias) -%}
    ({{ alias }}.ordinal - 1)
{%- endmacro %}

{% macro snowflake__json_element_index(alias) -%}
    {{ alias }}.index
{%- endmacro %}
