-- One row per game per run_date on which a market panel (games_popular, games_rising,
-- games_upcoming) listed it: its counters that day (those of fct_game_daily_snapshot, the
-- game's state that day) and its rank in each panel, null in a panel that did not list it.
-- A panel is the first N games of its listing (its size setting, panel_size.sql): the items of
-- its last page ranked past N are left out.
{%- set panels = ['popular', 'rising', 'upcoming'] %}
{%- set counters = [
    'added', 'owned', 'playing', 'beaten', 'toplay', 'dropped', 'yet', 'ratings_count', 'rating',
    'metacritic',
] %}

with

listed as (
    {%- for panel in panels %}
    select game_id, run_date, '{{ panel }}' as panel, rank
    from {{ ref('stg_rawg__games_' ~ panel) }}
    where {{ in_built_range('run_date') }}
        and rank <= {{ panel_size('GMP_' ~ panel | upper ~ '_GAMES') }}
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
),

ranks as (
    select
        game_id,
        run_date,
        {%- for panel in panels %}
        min(case when panel = '{{ panel }}' then rank end) as {{ panel }}_rank{{ "," if not loop.last }}
        {%- endfor %}
    from listed
    group by game_id, run_date
),

snapshots as (
    select game_id, run_date, {{ counters | join(', ') }}
    from {{ ref('fct_game_daily_snapshot') }}
    where {{ in_built_range('run_date') }}
),

final as (
    select
        ranks.game_id,
        ranks.run_date,
        {%- for counter in counters %}
        snapshots.{{ counter }},
        {%- endfor %}
        {%- for panel in panels %}
        ranks.{{ panel }}_rank{{ "," if not loop.last }}
        {%- endfor %}
    from ranks
    inner join snapshots
        on ranks.game_id = snapshots.game_id
        and ranks.run_date = snapshots.run_date
)

select * from final
