-- One row per game per run_date it was seen: the game's list item as that day's list endpoints
-- served it (games, games_released and the market panels; the same /games item everywhere).
-- A game several endpoints listed that day is kept once: the latest `updated` (the freshest
-- state), then the endpoint in the order below, then the last page and position. The
-- intermediate models and the marts read games from here, so a game's time series has a point
-- every day any list endpoint saw it.
{%- set endpoints = ['games', 'games_released', 'games_popular', 'games_rising', 'games_upcoming'] %}
{%- set columns = ['game_id', 'run_date'] + rawg_game_columns() + ['page_key', 'item_index'] %}

with

listed as (
    {%- for endpoint in endpoints %}
    select {{ columns | join(', ') }}, '{{ endpoint }}' as observed_in, {{ loop.index }} as endpoint_order
    from {{ ref('stg_rawg__' ~ endpoint) }}
    where {{ in_built_range('run_date') }}
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
),

final as (
    select {{ columns[:-2] | join(', ') }}, observed_in, page_key
    from listed
    {{ one_row_per(
        'game_id, run_date',
        'updated_at desc nulls last, endpoint_order nulls last, page_key desc nulls last,'
        ' item_index desc nulls last',
    ) }}
)

select * from final
