{#- The /games list item, typed once for every endpoint that lands list items: `games` (what
    RAWG updated on the day), `games_released` (the release calendar) and the market panels
    `games_popular`, `games_rising`, `games_upcoming` (their staging models call
    stg_rawg_game_list; int_game_observations unions them with rawg_game_columns). -#}

{% macro rawg_game_fields() -%}
    {#- (column, JSON path, logical type) of every typed field of a list item, in column order.
        - reviews_text_count: a string in RAWG's spec, a number in real data; the cast takes both.
        - updated: RAWG sends no timezone; kept as it is (timestamp without zone).
        - the nested arrays and objects stay JSON text, unnested by the intermediate models (text,
          not JSON/VARIANT, so that unit-test fixtures read the same on every target). -#}
    {{ return([
        ('slug', 'slug', 'text'),
        ('name', 'name', 'text'),
        ('released_on', 'released', 'date'),
        ('tba', 'tba', 'bool'),
        ('background_image', 'background_image', 'text'),
        ('rating', 'rating', 'float'),
        ('rating_top', 'rating_top', 'int'),
        ('ratings_count', 'ratings_count', 'int'),
        ('reviews_text_count', 'reviews_text_count', 'int'),
        ('added', 'added', 'int'),
        ('metacritic', 'metacritic', 'int'),
        ('playtime_hours', 'playtime', 'int'),
        ('suggestions_count', 'suggestions_count', 'int'),
        ('updated_at', 'updated', 'timestamp'),
        ('esrb_rating_id', 'esrb_rating.id', 'int'),
        ('esrb_rating', 'esrb_rating.name', 'text'),
        ('ratings', 'ratings', 'text'),
        ('added_by_status', 'added_by_status', 'text'),
        ('platforms', 'platforms', 'text'),
        ('genres', 'genres', 'text'),
        ('stores', 'stores', 'text'),
        ('tags', 'tags', 'text'),
    ]) }}
{%- endmacro %}


{% macro rawg_game_columns() -%}
    {#- The names of the typed list-item columns after game_id and run_date (rawg_game_fields). -#}
    {{ return(rawg_game_fields() | map(attribute=0) | list) }}
{%- endmacro %}


{% macro stg_rawg_game_list(endpoint, ranked=false) -%}
    {#- The whole staging model of an endpoint of /games list items: one row per game per
        run_date, typed. A game served twice in one partition (data moving while paging) is kept
        once: the latest `updated`, then the last page and position. `ranked` adds `rank`, the
        item's position in the listing (rawg_list_rank), kept with the row kept. -#}
with

source as (
    select * from {{ rawg_items(endpoint) }}
),

renamed as (
    select
        run_date,
        {%- if ranked %}
        {{ rawg_list_rank('page_key', 'item_index') }} as rank,
        {%- endif %}
        {{- json_columns('item', [('game_id', 'id', 'int')] + rawg_game_fields()) }},
        page_key,
        item_index
    from source
),

typed as (
    select
        game_id,
        run_date,
        {%- if ranked %}
        rank,
        {%- endif %}
        {%- for column in rawg_game_columns() %}
        {%- if column == 'tba' %}
        -- RAWG leaves tba out of some items: not to be announced
        coalesce(tba, false) as tba,
        {%- else %}
        {{ column }},
        {%- endif %}
        {%- endfor %}
        page_key,
        item_index
    from renamed
),

final as (
    select * from typed
    {{ one_row_per('run_date, game_id', 'updated_at desc nulls last, page_key desc nulls last, item_index desc nulls last') }}
)

select * from final
{%- endmacro %}


{% macro rawg_list_rank(page_key, item_index) -%}
    {#- An item's position in a listing, from 1: (page - 1) * page size + index in the page + 1.
        The page number is read from the page's lake key (page-NNNNN.json); RAWG's pages are
        whole (var rawg_page_size items, the extractor's page_size) but the last. -#}
    (({{ lake_page_number(page_key) }} - 1) * {{ var('rawg_page_size') }} + {{ item_index }} + 1)
{%- endmacro %}
