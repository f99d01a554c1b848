-- One row per run_date per source of the report that holds rows for that day: the distinct
-- games landed (games: RAWG's updates of the day; games_released: the release calendar;
-- panel: any of the market panels games_popular / games_rising / games_upcoming;
-- game_details). A day without a row for a source was not extracted (or not built): the
-- report marks it so instead of drawing 0.
{%- set sources = [
    ('games', ref('stg_rawg__games')),
    ('games_released', ref('stg_rawg__games_released')),
    ('panel', ref('fct_game_popularity_daily')),
    ('game_details', ref('stg_rawg__game_details')),
] %}

with

final as (
    {%- for name, relation in sources %}
    select run_date, '{{ name }}' as source, count(distinct game_id) as games
    from {{ relation }}
    group by run_date
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
)

select * from final
