{#- Source freshness of one endpoint: the end of its newest committed partition (run_date D is
    complete at the end of day D, UTC). Used as `loaded_at_query` in _rawg__sources.yml. -#}

{% macro lake_freshness(endpoint) -%}
    {{ return(adapter.dispatch('lake_freshness', 'game_market')(endpoint)) }}
{%- endmacro %}

{% macro duckdb__lake_freshness(endpoint) -%}
    {#- Lists the manifests only; no page is read. -#}
    select cast(max({{ partition_run_date('file') }}) + 1 as timestamp)
    from glob('{{ lake_url(lake_manifest_key(endpoint, '*')) }}')
{%- endmacro %}

{% macro snowflake__lake_freshness(endpoint) -%}
    select dateadd(day, 1, max(run_date)::timestamp_ntz)
    from {{ source('rawg', endpoint) }}
{%- endmacro %}
