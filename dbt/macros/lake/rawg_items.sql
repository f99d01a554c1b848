{#- Helpers shared by the staging models: the items of an endpoint's pages, the columns every
    RAWG taxonomy object carries, and the one-row-per-entity rule. -#}

{% macro rawg_items(endpoint) -%}
    {#- One row per item of `results`: run_date, page_key, item_index (0-based), item. -#}
    {{ return(adapter.dispatch('rawg_items', 'game_market')(endpoint)) }}
{%- endmacro %}

{% macro default__rawg_items(endpoint) -%}
    (
        select
            pages.run_date,
            pages.page_key,
            {{ json_element_index('results') }} as item_index,
            {{ json_element('results') }} as item
        from {{ raw_pages(endpoint) }} as pages
        {{ json_array_elements(json_get('pages.page', 'results'), 'results') }}
    )
{%- endmacro %}

{% macro duckdb__rawg_items(endpoint) -%}
    {#- The `results` array is taken out of the page first and unnested in the select list: a
        lateral unnest (json_array_elements) would copy the whole page into every item's row,
        which made a range build of /games hold (and spill) tens of GB. -#}
    (
        select
            pages.run_date,
            pages.page_key,
            unnest(generate_series(0, len(pages.results) - 1)) as item_index,
            unnest(pages.results) as item
        from (
            select
                run_date,
                page_key,
                cast({{ json_get('page', 'results') }} as json[]) as results
            from {{ raw_pages(endpoint) }} as raw
        ) as pages
    )
{%- endmacro %}


{% macro rawg_taxonomy_fields(prefix='') -%}
    {#- (column, JSON path, type) of name, slug, games_count, image_background: every
        genre/platform/store/tag/company/person object has them, in a snapshot and embedded in
        a game alike. `prefix` is the path to the object inside a larger one, e.g. 'platform.'. -#}
    {{ return([
        ('name', prefix ~ 'name', 'text'),
        ('slug', prefix ~ 'slug', 'text'),
        ('games_count', prefix ~ 'games_count', 'int'),
        ('image_background', prefix ~ 'image_background', 'text'),
    ]) }}
{%- endmacro %}


{% macro rawg_taxonomy_columns(expr) -%}
    {#- The rawg_taxonomy_fields of a taxonomy object, as select-list columns. -#}
    {{ json_columns(expr, rawg_taxonomy_fields()) }}
{%- endmacro %}


{% macro one_row_per(columns, order_by) -%}
    {#- Keep one row per `columns`: RAWG can serve an item twice while data moves under the
        pages; the one served last (latest page, last position) wins. -#}
    qualify row_number() over (partition by {{ columns }} order by {{ order_by }}) = 1
{%- endmacro %}
